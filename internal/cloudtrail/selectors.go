package cloudtrail

import (
	"encoding/json"
	"sort"
	"strings"
)

// Selectors is what a PutEventSelectors call leaves a trail recording.
type Selectors struct {
	// Management is "all", "read-only", "write-only" or "none".
	Management string
	// Data maps a data resource type (AWS::S3::Object, …) to the values
	// selected ("all" when any resource of the type).
	Data map[string][]string
}

func (s *Selectors) String() string {
	types := make([]string, 0, len(s.Data))
	for t := range s.Data {
		types = append(types, t)
	}
	sort.Strings(types)
	var d []string
	for _, t := range types {
		d = append(d, t+" ("+strings.Join(s.Data[t], ", ")+")")
	}
	data := "none"
	if len(d) > 0 {
		data = strings.Join(d, ", ")
	}
	return "management events: " + s.Management + "; data events: " + data
}

type basicSelector struct {
	ReadWriteType           string `json:"readWriteType"`
	IncludeManagementEvents *bool  `json:"includeManagementEvents"`
	DataResources           []struct {
		Type   string   `json:"type"`
		Values []string `json:"values"`
	} `json:"dataResources"`
}

type advancedSelector struct {
	FieldSelectors []struct {
		Field      string   `json:"field"`
		Equals     []string `json:"equals"`
		StartsWith []string `json:"startsWith"`
	} `json:"fieldSelectors"`
}

// ParseSelectors reads basic or advanced event selectors from a
// PutEventSelectors request.
func ParseSelectors(doc string) (*Selectors, error) {
	var req struct {
		EventSelectors         []basicSelector    `json:"eventSelectors"`
		AdvancedEventSelectors []advancedSelector `json:"advancedEventSelectors"`
	}
	if err := json.Unmarshal([]byte(doc), &req); err != nil {
		return nil, err
	}
	s := &Selectors{Data: map[string][]string{}}
	var read, write bool
	for _, b := range req.EventSelectors {
		r, w := rwOf(b.ReadWriteType)
		if b.IncludeManagementEvents == nil || *b.IncludeManagementEvents { // AWS's default is true
			read, write = read || r, write || w
		}
		for _, dr := range b.DataResources {
			if len(dr.Values) > 0 {
				s.Data[dr.Type] = append(s.Data[dr.Type], selectorValues(dr.Values)...)
			}
		}
	}
	for _, a := range req.AdvancedEventSelectors {
		cat, rt, ro := "", "all", ""
		for _, fs := range a.FieldSelectors {
			switch fs.Field {
			case "eventCategory":
				if len(fs.Equals) > 0 {
					cat = fs.Equals[0]
				}
			case "resources.type":
				if len(fs.Equals) > 0 {
					rt = strings.Join(fs.Equals, "|")
				}
			case "readOnly":
				if len(fs.Equals) > 0 {
					ro = fs.Equals[0]
				}
			}
		}
		r, w := ro != "false", ro != "true"
		switch cat {
		case "Management":
			read, write = read || r, write || w
		case "Data":
			s.Data[rt] = append(s.Data[rt], "advanced selector")
		}
	}
	switch {
	case read && write:
		s.Management = "all"
	case read:
		s.Management = "read-only"
	case write:
		s.Management = "write-only"
	default:
		s.Management = "none"
	}
	return s, nil
}

func rwOf(t string) (read, write bool) {
	switch t {
	case "ReadOnly":
		return true, false
	case "WriteOnly":
		return false, true
	}
	return true, true
}

// selectorValues shortens "all resources of the type" values to "all".
func selectorValues(vs []string) []string {
	var out []string
	for _, v := range vs {
		switch v {
		case "arn:aws:s3", "arn:aws:s3:::", "arn:aws:lambda", "arn:aws:dynamodb":
			v = "all"
		}
		out = append(out, v)
	}
	return out
}

// UpdateTrail is what an UpdateTrail (or UpdateEventDataStore) request sets.
type UpdateTrail struct {
	IsMultiRegionTrail         *bool  `json:"isMultiRegionTrail"`
	MultiRegionEnabled         *bool  `json:"multiRegionEnabled"` // UpdateEventDataStore
	IncludeGlobalServiceEvents *bool  `json:"includeGlobalServiceEvents"`
	S3BucketName               string `json:"s3BucketName"`
	CloudWatchLogsLogGroupArn  string `json:"cloudWatchLogsLogGroupArn"`
	KMSKeyID                   string `json:"kmsKeyId"`
	EnableLogFileValidation    *bool  `json:"enableLogFileValidation"`
}

// ParseUpdateTrail reads an UpdateTrail request; an unreadable one sets
// nothing known.
func ParseUpdateTrail(doc string) UpdateTrail {
	var u UpdateTrail
	_ = json.Unmarshal([]byte(doc), &u)
	return u
}

// Loss says what the update stops recording ("" when nothing).
func (u UpdateTrail) Loss() string {
	var lost []string
	if (u.IsMultiRegionTrail != nil && !*u.IsMultiRegionTrail) || (u.MultiRegionEnabled != nil && !*u.MultiRegionEnabled) {
		lost = append(lost, "trail no longer multi-region: other regions are not recorded")
	}
	if u.IncludeGlobalServiceEvents != nil && !*u.IncludeGlobalServiceEvents {
		lost = append(lost, "global service events (IAM, STS, CloudFront) no longer recorded")
	}
	if u.EnableLogFileValidation != nil && !*u.EnableLogFileValidation {
		lost = append(lost, "log file integrity validation turned off")
	}
	return strings.Join(lost, "; ")
}

// Detail describes the update: what it narrows, where logs now go.
func (u UpdateTrail) Detail() string {
	parts := []string{}
	if l := u.Loss(); l != "" {
		parts = append(parts, l)
	}
	if u.S3BucketName != "" {
		parts = append(parts, "logs now delivered to bucket "+u.S3BucketName)
	}
	if u.CloudWatchLogsLogGroupArn != "" {
		parts = append(parts, "logs also sent to CloudWatch Logs")
	}
	if u.EnableLogFileValidation != nil && *u.EnableLogFileValidation {
		parts = append(parts, "log file integrity validation on")
	}
	return strings.Join(parts, "; ")
}

func sortStrings(s []string) { sort.Strings(s) }
