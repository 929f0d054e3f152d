package nosqlclient

import (
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/ociauth"
)

// The service modes FOTOGAL_NOSQL_MODE accepts.
const (
	// ModeCloud is Oracle NoSQL Database Cloud Service, signed with OCI IAM.
	ModeCloud = "cloud"
	// ModeOnPrem is an Oracle NoSQL Database proxy of one's own.
	ModeOnPrem = "onprem"
	// ModeCloudSim is a local simulator of the cloud service (and the
	// fake FotoGal's tests run against).
	ModeCloudSim = "cloudsim"
)

// The capacity modes FOTOGAL_NOSQL_CAPACITY accepts.
const (
	// OnDemand tables are billed by use and scale by themselves.
	OnDemand = "on_demand"
	// Provisioned tables have fixed read, write and storage units.
	Provisioned = "provisioned"
)

// Config says where the tables are and how to reach them.
type Config struct {
	// Mode: FOTOGAL_NOSQL_MODE (cloud): cloud, onprem or cloudsim.
	Mode string
	// Endpoint: FOTOGAL_NOSQL_ENDPOINT, the service's URL
	// ("https://nosql.eu-frankfurt-1.oci.oraclecloud.com", or the proxy's
	// "http://host:8080"). Required for onprem and cloudsim; in cloud mode
	// give either it or Region.
	Endpoint string
	// Region: FOTOGAL_NOSQL_REGION, the OCI region of the cloud service
	// ("eu-frankfurt-1"), when Endpoint is not given.
	Region string
	// Compartment: FOTOGAL_NOSQL_COMPARTMENT, the OCID of the compartment
	// that holds the tables (cloud mode; the tenancy's root when empty).
	Compartment string
	// Username and Password: FOTOGAL_NOSQL_USERNAME and
	// FOTOGAL_NOSQL_PASSWORD, for an on-premises proxy with security on.
	Username, Password string
	// Auth: FOTOGAL_OCI_AUTH and its settings, the identity of cloud mode.
	Auth ociauth.Config
	// CreateTables: FOTOGAL_NOSQL_CREATE_TABLES (false): at start, create
	// the service's tables and indexes if they do not exist and wait until
	// they are active.
	CreateTables bool
	// Limits are the capacity of the tables CreateTables creates.
	Limits TableLimits
	// RequestTimeout: FOTOGAL_NOSQL_REQUEST_TIMEOUT (5s), the most one call
	// may take, retries included, when its context sets no sooner deadline.
	RequestTimeout time.Duration
	// TableTimeout: FOTOGAL_NOSQL_TABLE_TIMEOUT (2m), how long CreateTables
	// waits for a table or an index to become active.
	TableTimeout time.Duration
}

// TableLimits is the capacity of a created table.
type TableLimits struct {
	// Capacity: FOTOGAL_NOSQL_CAPACITY (on_demand): on_demand or
	// provisioned.
	Capacity string
	// ReadUnits, WriteUnits: FOTOGAL_NOSQL_READ_UNITS and
	// FOTOGAL_NOSQL_WRITE_UNITS (50 each), provisioned throughput.
	ReadUnits, WriteUnits int
	// StorageGB: FOTOGAL_NOSQL_STORAGE_GB (25), the most a table may hold.
	StorageGB int
}

// LoadConfig reads the FOTOGAL_NOSQL_* and FOTOGAL_OCI_AUTH settings with l.
// Errors are recorded in l, each naming its variable.
func LoadConfig(l *config.Loader) Config {
	cfg := Config{
		Mode:         l.OneOf("FOTOGAL_NOSQL_MODE", ModeCloud, ModeCloud, ModeOnPrem, ModeCloudSim),
		Endpoint:     l.String("FOTOGAL_NOSQL_ENDPOINT", ""),
		Region:       l.String("FOTOGAL_NOSQL_REGION", ""),
		Compartment:  l.String("FOTOGAL_NOSQL_COMPARTMENT", ""),
		Username:     l.String("FOTOGAL_NOSQL_USERNAME", ""),
		Password:     l.String("FOTOGAL_NOSQL_PASSWORD", ""),
		Auth:         ociauth.Load(l),
		CreateTables: l.Bool("FOTOGAL_NOSQL_CREATE_TABLES", false),
		Limits: TableLimits{
			Capacity:   l.OneOf("FOTOGAL_NOSQL_CAPACITY", OnDemand, OnDemand, Provisioned),
			ReadUnits:  l.PositiveInt("FOTOGAL_NOSQL_READ_UNITS", 50),
			WriteUnits: l.PositiveInt("FOTOGAL_NOSQL_WRITE_UNITS", 50),
			StorageGB:  l.PositiveInt("FOTOGAL_NOSQL_STORAGE_GB", 25),
		},
		RequestTimeout: l.PositiveDuration("FOTOGAL_NOSQL_REQUEST_TIMEOUT", 5*time.Second),
		TableTimeout:   l.PositiveDuration("FOTOGAL_NOSQL_TABLE_TIMEOUT", 2*time.Minute),
	}
	if err := cfg.check(); err != nil {
		l.Fail(err)
	}
	return cfg
}

// check reports the settings that contradict each other.
func (c Config) check() error {
	var errs []error
	switch c.Mode {
	case ModeCloud:
		if (c.Endpoint == "") == (c.Region == "") {
			errs = append(errs, errors.New("FOTOGAL_NOSQL_ENDPOINT, FOTOGAL_NOSQL_REGION: cloud mode takes exactly one of them"))
		}
	case ModeOnPrem, ModeCloudSim:
		if c.Endpoint == "" {
			errs = append(errs, fmt.Errorf("FOTOGAL_NOSQL_ENDPOINT: required in %s mode", c.Mode))
		}
		if c.Region != "" {
			errs = append(errs, fmt.Errorf("FOTOGAL_NOSQL_REGION: only for cloud mode, not %s", c.Mode))
		}
	}
	if (c.Username == "") != (c.Password == "") {
		errs = append(errs, errors.New("FOTOGAL_NOSQL_USERNAME, FOTOGAL_NOSQL_PASSWORD: give both or neither"))
	}
	return errors.Join(errs...)
}
