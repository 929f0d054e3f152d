// Package ociauth is FotoGal's one way to authenticate to Oracle Cloud
// (OCI): a single setting, FOTOGAL_OCI_AUTH, picks the identity every OCI
// client of a binary signs its requests with — Oracle NoSQL, Object Storage
// and Logging alike.
//
// The choices are an API-key config file and profile (development, the
// OCI CLI's ~/.oci/config), the instance principal of a compute instance,
// the resource principal of an OCI function or job, and OKE Workload
// Identity (a pod's Kubernetes service account, in the cluster). Only the
// config file holds a key, and it lives outside the repository and every
// image: the other three get short-lived credentials from OCI at run time.
package ociauth

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/common/auth"

	"github.com/fotogal/fotogal/pkg/config"
)

// The authentication methods FOTOGAL_OCI_AUTH accepts.
const (
	// APIKey signs with the key of a profile in an OCI config file.
	APIKey = "api_key"
	// InstancePrincipal signs as the compute instance the binary runs on.
	InstancePrincipal = "instance_principal"
	// ResourcePrincipal signs as the OCI resource (function, job) the
	// binary runs in, from the OCI_RESOURCE_PRINCIPAL_* environment.
	ResourcePrincipal = "resource_principal"
	// WorkloadIdentity signs as the pod's Kubernetes service account on OKE.
	WorkloadIdentity = "workload_identity"
)

// Config says how to authenticate to OCI.
type Config struct {
	// Method: FOTOGAL_OCI_AUTH (api_key): api_key, instance_principal,
	// resource_principal or workload_identity.
	Method string
	// ConfigFile: FOTOGAL_OCI_CONFIG_FILE (~/.oci/config), the OCI config
	// file of the api_key method.
	ConfigFile string
	// Profile: FOTOGAL_OCI_PROFILE (DEFAULT), its profile.
	Profile string
}

// Load reads the FOTOGAL_OCI_AUTH settings with l.
func Load(l *config.Loader) Config {
	return Config{
		Method:     l.OneOf("FOTOGAL_OCI_AUTH", APIKey, APIKey, InstancePrincipal, ResourcePrincipal, WorkloadIdentity),
		ConfigFile: l.String("FOTOGAL_OCI_CONFIG_FILE", filepath.Join("~", ".oci", "config")),
		Profile:    l.String("FOTOGAL_OCI_PROFILE", "DEFAULT"),
	}
}

// Provider returns the identity cfg names, ready to sign requests. For the
// api_key method it checks that the profile is complete and its key
// readable, so that a bad setting stops the binary at start with a message
// naming it.
func Provider(cfg Config) (common.ConfigurationProvider, error) {
	switch cfg.Method {
	case APIKey:
		path, err := expandHome(cfg.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_CONFIG_FILE: %w", err)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_CONFIG_FILE: %w", err)
		}
		p, err := common.ConfigurationProviderFromFileWithProfile(path, cfg.Profile, "")
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_CONFIG_FILE %s, FOTOGAL_OCI_PROFILE %s: %w", path, cfg.Profile, err)
		}
		if ok, err := common.IsConfigurationProviderValid(p); !ok {
			return nil, fmt.Errorf("FOTOGAL_OCI_PROFILE %s in %s: %w", cfg.Profile, path, err)
		}
		return p, nil
	case InstancePrincipal:
		p, err := auth.InstancePrincipalConfigurationProvider()
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_AUTH=%s: %w", cfg.Method, err)
		}
		return p, nil
	case ResourcePrincipal:
		p, err := auth.ResourcePrincipalConfigurationProvider()
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_AUTH=%s: %w", cfg.Method, err)
		}
		return p, nil
	case WorkloadIdentity:
		p, err := auth.OkeWorkloadIdentityConfigurationProvider()
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_AUTH=%s: %w", cfg.Method, err)
		}
		return p, nil
	default:
		return nil, fmt.Errorf("FOTOGAL_OCI_AUTH: unknown method %q", cfg.Method)
	}
}

// expandHome replaces a leading "~" of path with the home directory.
func expandHome(path string) (string, error) {
	if path != "~" && !hasHomePrefix(path) {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, path[1:]), nil
}

func hasHomePrefix(path string) bool {
	return len(path) >= 2 && path[0] == '~' && path[1] == filepath.Separator
}
