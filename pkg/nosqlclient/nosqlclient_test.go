package nosqlclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/config"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // a variable the error must name; "" for none
	}{
		{"cloud by region", map[string]string{"FOTOGAL_NOSQL_REGION": "eu-frankfurt-1"}, ""},
		{"cloud by endpoint", map[string]string{"FOTOGAL_NOSQL_ENDPOINT": "https://nosql.example"}, ""},
		{"cloud needs one", map[string]string{}, "FOTOGAL_NOSQL_REGION"},
		{"cloud not both", map[string]string{"FOTOGAL_NOSQL_REGION": "r", "FOTOGAL_NOSQL_ENDPOINT": "e"}, "FOTOGAL_NOSQL_ENDPOINT"},
		{"cloudsim needs an endpoint", map[string]string{"FOTOGAL_NOSQL_MODE": "cloudsim"}, "FOTOGAL_NOSQL_ENDPOINT"},
		{"onprem takes no region", map[string]string{"FOTOGAL_NOSQL_MODE": "onprem", "FOTOGAL_NOSQL_ENDPOINT": "http://p:8080", "FOTOGAL_NOSQL_REGION": "r"}, "FOTOGAL_NOSQL_REGION"},
		{"unknown mode", map[string]string{"FOTOGAL_NOSQL_MODE": "local", "FOTOGAL_NOSQL_ENDPOINT": "e"}, "FOTOGAL_NOSQL_MODE"},
		{"bad create flag", map[string]string{"FOTOGAL_NOSQL_REGION": "r", "FOTOGAL_NOSQL_CREATE_TABLES": "sometimes"}, "FOTOGAL_NOSQL_CREATE_TABLES"},
		{"bad capacity", map[string]string{"FOTOGAL_NOSQL_REGION": "r", "FOTOGAL_NOSQL_CAPACITY": "huge"}, "FOTOGAL_NOSQL_CAPACITY"},
		{"bad units", map[string]string{"FOTOGAL_NOSQL_REGION": "r", "FOTOGAL_NOSQL_READ_UNITS": "0"}, "FOTOGAL_NOSQL_READ_UNITS"},
		{"user without password", map[string]string{"FOTOGAL_NOSQL_MODE": "onprem", "FOTOGAL_NOSQL_ENDPOINT": "e", "FOTOGAL_NOSQL_USERNAME": "u"}, "FOTOGAL_NOSQL_PASSWORD"},
		{"unknown auth", map[string]string{"FOTOGAL_NOSQL_REGION": "r", "FOTOGAL_OCI_AUTH": "magic"}, "FOTOGAL_OCI_AUTH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := config.NewLoader(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			LoadConfig(l)
			err := l.Err()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	l := config.NewLoader(func(k string) (string, bool) {
		if k == "FOTOGAL_NOSQL_REGION" {
			return "eu-frankfurt-1", true
		}
		return "", false
	})
	got := LoadConfig(l)
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	if got.Mode != ModeCloud || got.CreateTables || got.Limits.Capacity != OnDemand || got.RequestTimeout != 5*time.Second || got.Auth.Method != "api_key" {
		t.Errorf("defaults = %+v", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want codes.Code // codes.Unknown: returned as it is
	}{
		{"write throttled", nosqlerr.New(nosqlerr.WriteLimitExceeded, "w"), codes.ResourceExhausted},
		{"read throttled", nosqlerr.New(nosqlerr.ReadLimitExceeded, "r"), codes.ResourceExhausted},
		{"operations throttled", nosqlerr.New(nosqlerr.OperationLimitExceeded, "o"), codes.ResourceExhausted},
		{"timeout", nosqlerr.New(nosqlerr.RequestTimeout, "t"), codes.Unavailable},
		{"retries out of time while throttled", nosqlerr.NewWithCause(nosqlerr.RequestTimeout, nosqlerr.New(nosqlerr.WriteLimitExceeded, "w"), "t"), codes.ResourceExhausted},
		{"retries out of time while down", nosqlerr.NewWithCause(nosqlerr.RequestTimeout, nosqlerr.New(nosqlerr.ServerError, "s"), "t"), codes.Unavailable},
		{"server error", nosqlerr.New(nosqlerr.ServerError, "5xx"), codes.Unavailable},
		{"unavailable", nosqlerr.New(nosqlerr.ServiceUnavailable, "503"), codes.Unavailable},
		{"credentials not ready", nosqlerr.New(nosqlerr.SecurityInfoUnavailable, "s"), codes.Unavailable},
		{"connection refused", fmt.Errorf("dial tcp: %w", errors.New("connection refused")), codes.Unavailable},
		{"key too large is a bug", nosqlerr.New(nosqlerr.KeySizeLimitExceeded, "k"), codes.Unknown},
		{"no table is a bug", nosqlerr.New(nosqlerr.TableNotFound, "t"), codes.Unknown},
		{"cancelled", context.Canceled, codes.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := classify(tc.err)
			var backend *Error
			isBackend := errors.As(got, &backend)
			switch tc.want {
			case codes.Unknown:
				if isBackend || got != tc.err {
					t.Errorf("classify(%v) = %v, want it returned as it is", tc.err, got)
				}
			case codes.Canceled:
				if !errors.Is(got, context.Canceled) {
					t.Errorf("classify(%v) = %v, want context.Canceled", tc.err, got)
				}
			default:
				if code := status.Code(got); code != tc.want {
					t.Errorf("status.Code(classify(%v)) = %v, want %v", tc.err, code, tc.want)
				}
				if !errors.Is(got, tc.err) {
					t.Errorf("classify(%v) does not wrap the SDK's error", tc.err)
				}
				if strings.Contains(status.Convert(got).Message(), "[") {
					t.Errorf("status message %q shows the SDK's text", status.Convert(got).Message())
				}
			}
		})
	}
}
