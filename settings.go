package deconflict

import "time"

// Minima are separation minima: two volumes closer than LateralM sideways
// (beyond their buffers) and VerticalM in altitude, at overlapping times,
// conflict. A zone may carry its own.
type Minima struct {
	LateralM  float64 `json:"lateral_m"`
	VerticalM float64 `json:"vertical_m"`
}

// Limits bound what one request may hold (SPEC §6).
type Limits struct {
	MaxVertices  int           // per geometry
	MaxVolumes   int           // per operation or zone
	MaxWindow    time.Duration // per operation volume
	MaxBodyBytes int64         // per request body
	MaxShareWith int           // entries in share_with and aware_of
}

// Settings are the deployment's conflict settings.
type Settings struct {
	// OperationMinima apply between two operations (default 9,260 m, 304.8 m).
	OperationMinima Minima
	// ZoneMinima apply between an operation and a zone that has none of its own (default 0, 0).
	ZoneMinima Minima
	// TimeBuffer widens the first volume's window on both sides (default 0).
	TimeBuffer time.Duration
	Limits     Limits
}

// DefaultSettings returns the defaults of SPEC §3 and §6.
func DefaultSettings() Settings {
	return Settings{
		OperationMinima: Minima{LateralM: 9260, VerticalM: 304.8},
		ZoneMinima:      Minima{},
		Limits: Limits{
			MaxVertices:  10_000,
			MaxVolumes:   1_000,
			MaxWindow:    7 * 24 * time.Hour,
			MaxBodyBytes: 4 << 20,
			MaxShareWith: 1_000,
		},
	}
}

// EarthRadiusM is the mean Earth radius all distances are computed with.
const EarthRadiusM = 6_371_008.8
