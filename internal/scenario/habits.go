package scenario

import (
	"time"
)

// read emits the read call name made with cred from src at t, with the
// benign error it often gets.
func (w *World) read(t time.Time, cred *Cred, src Source, a *Account, name string) *Record {
	c, errCode := w.readCall(a, name)
	if errCode != "" {
		c = benignError(c, errCode)
	}
	return w.emit(t, cred, src, c)
}

// readDenied emits name refused for lack of permission.
func (w *World) readDenied(t time.Time, cred *Cred, src Source, a *Account, name string) *Record {
	c, _ := w.readCall(a, name)
	return w.emit(t, cred, src, deny(c, cred, ""))
}

// burst emits reads spaced like a person or a script: gap is the typical
// pause in seconds; denyRate the share refused. It returns the time after
// the last call.
func (w *World) burst(t time.Time, cred *Cred, src Source, a *Account, names []string, gap float64, denyRate float64) time.Time {
	for _, n := range names {
		if w.r.chance(denyRate) {
			w.readDenied(t, cred, src, a, n)
		} else {
			w.read(t, cred, src, a, n)
		}
		t = t.Add(time.Duration((0.2 + w.r.ExpFloat64()*gap) * float64(time.Second)))
	}
	return t
}

// sample returns n names drawn from vocab (with repeats).
func (w *World) sample(vocab []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = vocab[w.r.IntN(len(vocab))]
	}
	return out
}

// consolePage emits one console page load: several calls in the same
// second or two, as the console's front end makes them.
func (w *World) consolePage(t time.Time, sess *Cred, ip string, browser string, a *Account, page string) time.Time {
	vocab := consolePages[page]
	n := w.r.between(3, min(9, len(vocab)))
	start := w.r.IntN(len(vocab) - n + 1)
	for i, name := range vocab[start : start+n] {
		c, errCode := w.readCall(a, name)
		if errCode != "" {
			c = benignError(c, errCode)
		}
		src := Source{IP: ip, UA: browser, side: sess.side()}
		svc := servicePrefix(c.Source)
		switch {
		case w.opts.Legacy:
			src.UA = "console.amazonaws.com"
			if ua, ok := legacyConsoleUAs[svc]; ok {
				src.UA = ua
			}
			if src.UA == "AWS Internal" {
				src.IP = "AWS Internal"
			}
		case svc == "s3":
			src.UA = s3ConsoleUA
		case svc == "ce" || svc == "health" || (svc == "cloudwatch" && w.r.chance(0.5)):
			src.IP, src.UA = "AWS Internal", "AWS Internal"
		}
		w.emit(t.Add(time.Duration(i*120+w.r.IntN(300))*time.Millisecond), sess, src, c)
	}
	return t.Add(time.Duration(10+w.r.ExpFloat64()*90) * time.Second)
}

// side is carried on attacker credentials so that every record made with
// them (console page loads included) is the attacker's.
func (c *Cred) side() string {
	if c.attacker {
		return sideAttacker
	}
	return ""
}
