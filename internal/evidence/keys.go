package evidence

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// PublicKey is one CloudTrail signing key as ListPublicKeys returns it.
type PublicKey struct {
	Fingerprint string
	Key         *rsa.PublicKey
	ValidFrom   time.Time
	ValidTo     time.Time
}

// KeyProvider supplies the public keys whose private keys signed digests
// of a region in a time range.
type KeyProvider interface {
	PublicKeys(ctx context.Context, region string, start, end time.Time) ([]PublicKey, error)
}

// KeySet is a fixed list of keys (a saved ListPublicKeys response); it
// answers for every region, as a saved response is what the investigator has.
type KeySet []PublicKey

// PublicKeys implements KeyProvider.
func (s KeySet) PublicKeys(context.Context, string, time.Time, time.Time) ([]PublicKey, error) {
	return s, nil
}

// ParsePublicKeyDER accepts a PKCS#1 RSAPublicKey (what ListPublicKeys
// returns) or a SubjectPublicKeyInfo holding an RSA key.
func ParsePublicKeyDER(der []byte) (*rsa.PublicKey, error) {
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("neither PKCS#1 nor SubjectPublicKeyInfo DER: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("SubjectPublicKeyInfo holds a %T, not an RSA key", k)
	}
	return rk, nil
}

// LoadPublicKeys reads a saved ListPublicKeys response:
// {"PublicKeyList":[{"Value":"<base64 DER>","ValidityStartTime":…,
// "ValidityEndTime":…,"Fingerprint":"<hex>"}]}, times as RFC 3339 strings
// (AWS CLI output) or epoch seconds (the raw API).
func LoadPublicKeys(path string) (KeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading public keys: %w", err)
	}
	ks, err := ParsePublicKeys(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// ParsePublicKeys parses a ListPublicKeys response; see LoadPublicKeys.
func ParsePublicKeys(b []byte) (KeySet, error) {
	var doc struct {
		PublicKeyList *[]struct {
			Value             string
			Fingerprint       string
			ValidityStartTime json.RawMessage
			ValidityEndTime   json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a ListPublicKeys response: %w", err)
	}
	if doc.PublicKeyList == nil {
		return nil, fmt.Errorf("not a ListPublicKeys response: no PublicKeyList")
	}
	var ks KeySet
	for i, k := range *doc.PublicKeyList {
		der, err := base64.StdEncoding.DecodeString(k.Value)
		if err != nil {
			return nil, fmt.Errorf("PublicKeyList[%d].Value: not base64: %w", i, err)
		}
		pk, err := ParsePublicKeyDER(der)
		if err != nil {
			return nil, fmt.Errorf("PublicKeyList[%d].Value: %w", i, err)
		}
		if k.Fingerprint == "" {
			return nil, fmt.Errorf("PublicKeyList[%d]: Fingerprint missing", i)
		}
		from, err := keyTime(k.ValidityStartTime)
		if err != nil {
			return nil, fmt.Errorf("PublicKeyList[%d].ValidityStartTime: %w", i, err)
		}
		to, err := keyTime(k.ValidityEndTime)
		if err != nil {
			return nil, fmt.Errorf("PublicKeyList[%d].ValidityEndTime: %w", i, err)
		}
		ks = append(ks, PublicKey{Fingerprint: strings.ToLower(k.Fingerprint), Key: pk, ValidFrom: from, ValidTo: to})
	}
	return ks, nil
}

func keyTime(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if s[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return time.Time{}, err
		}
		return parseKeyTime(str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is neither a time string nor epoch seconds", s)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
}

// parseKeyTime accepts RFC 3339 and the AWS CLI's "2016-01-17T23:05:02+00:00" style.
func parseKeyTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-07:00", "2006-01-02 15:04:05-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(int64(f), 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
}

// ListPublicKeysAPI is the CloudTrail call online verification needs.
type ListPublicKeysAPI interface {
	ListPublicKeys(ctx context.Context, in *cloudtrail.ListPublicKeysInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.ListPublicKeysOutput, error)
}

// CloudTrailKeys fetches keys with ListPublicKeys, one client per region
// (CloudTrail signs with a key per region).
type CloudTrailKeys struct {
	// Client returns the CloudTrail client for a region.
	Client func(region string) ListPublicKeysAPI
}

// PublicKeys implements KeyProvider, following NextToken.
func (c CloudTrailKeys) PublicKeys(ctx context.Context, region string, start, end time.Time) ([]PublicKey, error) {
	api := c.Client(region)
	in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(end)}
	var ks []PublicKey
	for {
		out, err := api.ListPublicKeys(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListPublicKeys in %s: %w", region, err)
		}
		for i, k := range out.PublicKeyList {
			pk, err := ParsePublicKeyDER(k.Value)
			if err != nil {
				return nil, fmt.Errorf("ListPublicKeys in %s: key %d: %w", region, i, err)
			}
			ks = append(ks, PublicKey{Fingerprint: strings.ToLower(aws.ToString(k.Fingerprint)), Key: pk,
				ValidFrom: aws.ToTime(k.ValidityStartTime).UTC(), ValidTo: aws.ToTime(k.ValidityEndTime).UTC()})
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return ks, nil
		}
		in.NextToken = out.NextToken
	}
}
