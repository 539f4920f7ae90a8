package display

import "fmt"

// Bytes writes a byte count with SI units, as reports show data volumes:
// 770947289 → "770.9 MB".
func Bytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	unit := ""
	for _, unit = range []string{"kB", "MB", "GB", "TB"} {
		if f /= 1000; f < 1000 {
			break
		}
	}
	return fmt.Sprintf("%.1f %s", f, unit)
}
