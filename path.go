package deconflict

import "strconv"

// Path joins a JSON path and an index or field, as FieldError.Field spells
// them: Path("volumes", 2, "geometry") == "volumes[2].geometry".
func Path(base string, parts ...any) string {
	s := base
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			s += "[" + strconv.Itoa(p) + "]"
		case string:
			if s == "" {
				s = p
			} else {
				s += "." + p
			}
		}
	}
	return s
}
