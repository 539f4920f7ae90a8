package display

import "fmt"

// Plural is "1 noun" or "n nouns", for counts in sentences.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
