package scenario

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
)

const (
	base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexLower    = "0123456789abcdef"
	hexUpper    = "0123456789ABCDEF"
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// rnd wraps the scenario's random source with the identifier shapes AWS
// uses. One rnd per world keeps a scenario reproducible from its seed.
type rnd struct{ *rand.Rand }

func newRnd(seed uint64, stream uint64) rnd {
	return rnd{rand.New(rand.NewPCG(seed, stream))}
}

func (r rnd) str(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// keyID is an AWS identifier: a four-letter prefix (AKIA, ASIA, AIDA,
// AROA, …) and 16 base32 characters.
func (r rnd) keyID(prefix string) string { return prefix + r.str(16, base32Upper) }

func (r rnd) uuid() string {
	a, b := r.Uint64(), r.Uint64()
	a = (a &^ (0xf << 12)) | (4 << 12)
	b = (b &^ (0x3 << 62)) | (0x2 << 62)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// s3RequestID is the 16-character upper-case hex S3 writes as requestID.
func (r rnd) s3RequestID() string { return r.str(16, hexUpper) }

func (r rnd) b64(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// sessionToken looks like an STS session token (long base64, IQoJb3JpZ2lu…).
func (r rnd) sessionToken() string { return "IQoJb3JpZ2luX2VjE" + r.b64(300) }

func (r rnd) accountID() string { return fmt.Sprintf("%012d", 100000000000+r.Int64N(899999999999)) }

func (r rnd) pick(s []string) string { return s[r.IntN(len(s))] }

func (r rnd) chance(p float64) bool { return r.Float64() < p }

// between returns a value in [lo, hi].
func (r rnd) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}
