package feed_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/deconflict/deconflict/feed"
)

// A replay reads whatever format the file is in, shows each malformed line
// and carries on.
func Example() {
	input := "MSG,4,1,1,4BA9C8,1,2026/11/24,07:20:00.700,2026/11/24,07:20:00.695,,,451,136,,,-64,,0,0,0,0\n" +
		"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:01.200,2026/11/24,07:20:01.198,,36000,,,36.80500,36.12600,,,0,0,0,0\n" +
		"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:01.700,2026/11/24,07:20:01.698,,36000,,,136.8,36.1,,,0,0,0,0\n" +
		"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:02.200,2026/11/24,07:20:02.198,,36025,,,36.79500,36.13800,,,0,0,0,0\n"
	rd, format, err := feed.Open(strings.NewReader(input), feed.Options{
		OnMalformed: func(e *feed.LineError) error {
			fmt.Println("skipped", e)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("format", format)
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println("read failed:", err)
			return
		}
		fmt.Printf("%s %s %.5f,%.5f %.1f m %.1f m/s %.0f° %.2f m/s\n",
			r.ID, r.Time.Format("15:04:05.0"), r.Lat, r.Lon, r.AltM, r.GsMps, r.TrackDeg, r.VsMps)
	}
	s := rd.Stats()
	fmt.Printf("%d lines: %d reports, %d malformed, %d skipped\n", s.Lines, s.Reports, s.Malformed, s.Skipped)
	// Output:
	// format sbs
	// 4ba9c8 07:20:01.2 36.80500,36.12600 10972.8 m 232.0 m/s 136° -0.33 m/s
	// skipped line 3: lat: must be from -90 to 90 degrees once converted (got "136.8")
	// 4ba9c8 07:20:02.2 36.79500,36.13800 10980.4 m 232.0 m/s 136° -0.33 m/s
	// 4 lines: 2 reports, 1 malformed, 1 skipped
}
