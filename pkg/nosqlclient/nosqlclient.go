// Package nosqlclient is the one place that connects FotoGal's services to
// Oracle NoSQL Database: it builds the SDK client from the FOTOGAL_NOSQL_*
// settings, creates a service's tables at start when asked to, and wraps
// the calls the store adapters make so that each one honours its context's
// deadline and fails in a way the service can answer.
//
// The SDK retries throttling and passing faults itself (with backoff,
// within the request's timeout). What still fails after that comes back as
// an *Error that carries gRPC ResourceExhausted (throttled: HTTP 429 with
// Retry-After) or Unavailable (timeouts, 5xx, credentials not ready: HTTP
// 503), never Internal. Any other SDK error (a refused key size, an unknown
// table) is a bug of the adapter and is returned as it is.
//
// Reads default to absolute consistency: a person who has just changed
// something sees the change on the next request, as on SQLite.
package nosqlclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/auth/iam"
	"github.com/oracle/nosql-go-sdk/nosqldb/common"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"
	ocicommon "github.com/oracle/oci-go-sdk/v65/common"

	"github.com/fotogal/fotogal/pkg/ociauth"
)

// Client is a connection to Oracle NoSQL Database. It is safe for
// concurrent use.
type Client struct {
	sdk *nosqldb.Client
	cfg Config

	mu       sync.Mutex
	prepared map[string]*nosqldb.PreparedStatement
}

// Open builds the client cfg describes. In cloud mode it also loads the
// OCI identity, so that a bad FOTOGAL_OCI_* setting stops the binary here.
func Open(cfg Config) (*Client, error) {
	sdkCfg := nosqldb.Config{
		Mode: cfg.Mode,
		RequestConfig: nosqldb.RequestConfig{
			RequestTimeout:      cfg.RequestTimeout,
			TableRequestTimeout: cfg.RequestTimeout,
		},
		LoggingConfig: nosqldb.LoggingConfig{DisableLogging: true},
	}
	switch cfg.Mode {
	case ModeCloud:
		identity, err := ociauth.Provider(cfg.Auth)
		if err != nil {
			return nil, err
		}
		signer, err := iam.NewSignatureProviderWithConfiguration(sdkIdentity{identity}, cfg.Compartment)
		if err != nil {
			return nil, fmt.Errorf("FOTOGAL_OCI_AUTH=%s: %w", cfg.Auth.Method, err)
		}
		// The SDK takes the region of a config-file identity over
		// Config.Endpoint when it can see that identity's profile. Wrapping
		// the signer hides the profile, so that the endpoint or region of
		// FOTOGAL_NOSQL_* is the one used, whatever the OCI config says.
		sdkCfg.AuthorizationProvider = requestSigner{signer}
		if cfg.Region != "" {
			sdkCfg.Region = common.Region(cfg.Region)
		} else {
			sdkCfg.Endpoint = cfg.Endpoint
		}
	case ModeOnPrem:
		sdkCfg.Endpoint = cfg.Endpoint
		if cfg.Username != "" {
			sdkCfg.Username = cfg.Username
			sdkCfg.Password = []byte(cfg.Password)
		}
	case ModeCloudSim:
		sdkCfg.Endpoint = cfg.Endpoint
	default:
		return nil, fmt.Errorf("FOTOGAL_NOSQL_MODE: unknown mode %q", cfg.Mode)
	}
	sdk, err := nosqldb.NewClient(sdkCfg)
	if err != nil {
		return nil, fmt.Errorf("oracle nosql client: %w", err)
	}
	return &Client{sdk: sdk, cfg: cfg, prepared: make(map[string]*nosqldb.PreparedStatement)}, nil
}

// SDK returns the SDK client, for the types of its requests.
func (c *Client) SDK() *nosqldb.Client { return c.sdk }

// Close releases the client.
func (c *Client) Close() error { return c.sdk.Close() }

// CreateTables runs each DDL statement in order, when the client is
// configured to create tables (FOTOGAL_NOSQL_CREATE_TABLES), and waits until
// the table or index it names is active. The statements are CREATE TABLE IF
// NOT EXISTS and CREATE INDEX IF NOT EXISTS, so that a second start changes
// nothing. CREATE TABLE statements get the configured limits on the cloud
// service.
func (c *Client) CreateTables(ctx context.Context, ddl ...string) error {
	if !c.cfg.CreateTables {
		return nil
	}
	for _, stmt := range ddl {
		ctx, cancel := context.WithTimeout(ctx, c.cfg.TableTimeout)
		err := c.runDDL(ctx, stmt)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", firstWords(stmt, 6), err)
		}
	}
	return nil
}

// runDDL runs one statement and waits for its table to be active.
func (c *Client) runDDL(ctx context.Context, stmt string) error {
	req := &nosqldb.TableRequest{Statement: stmt, Timeout: c.cfg.RequestTimeout}
	if c.cfg.Mode != ModeOnPrem && isCreateTable(stmt) {
		req.TableLimits = c.cfg.Limits.sdk()
	}
	res, err := c.sdk.DoTableRequest(req)
	if err != nil {
		return classify(err)
	}
	// The first polls come soon, as an index on a small table is often
	// ready at once, and back off to a second for the slow ones: a few
	// more GetTable requests, once per statement, cost nothing.
	poll := 10 * time.Millisecond
	for res.State != types.Active {
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s still %s: %w", res.TableName, res.State, ctx.Err())
		case <-time.After(poll):
		}
		poll = min(2*poll, time.Second)
		res, err = c.sdk.GetTable(&nosqldb.GetTableRequest{
			TableName:   res.TableName,
			OperationID: res.OperationID,
			Timeout:     c.cfg.RequestTimeout,
		})
		if err != nil {
			return classify(err)
		}
	}
	return nil
}

// sdk returns the limits in the SDK's terms.
func (l TableLimits) sdk() *nosqldb.TableLimits {
	if l.Capacity == Provisioned {
		return &nosqldb.TableLimits{
			ReadUnits:    uint(l.ReadUnits),
			WriteUnits:   uint(l.WriteUnits),
			StorageGB:    uint(l.StorageGB),
			CapacityMode: types.Provisioned,
		}
	}
	return &nosqldb.TableLimits{StorageGB: uint(l.StorageGB), CapacityMode: types.OnDemand}
}

// Get reads one row by its primary key.
func (c *Client) Get(ctx context.Context, req *nosqldb.GetRequest) (*nosqldb.GetResult, error) {
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	if req.Consistency == 0 {
		req.Consistency = types.Absolute
	}
	res, err := c.sdk.Get(req)
	return res, classify(err)
}

// Put writes one row, conditionally if req says so.
func (c *Client) Put(ctx context.Context, req *nosqldb.PutRequest) (*nosqldb.PutResult, error) {
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	res, err := c.sdk.Put(req)
	return res, classify(err)
}

// Delete deletes one row, conditionally if req says so.
func (c *Client) Delete(ctx context.Context, req *nosqldb.DeleteRequest) (*nosqldb.DeleteResult, error) {
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	res, err := c.sdk.Delete(req)
	return res, classify(err)
}

// WriteMultiple writes up to 50 rows of one shard key atomically.
func (c *Client) WriteMultiple(ctx context.Context, req *nosqldb.WriteMultipleRequest) (*nosqldb.WriteMultipleResult, error) {
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	res, err := c.sdk.WriteMultiple(req)
	return res, classify(err)
}

// MultiDelete deletes rows of one shard key.
func (c *Client) MultiDelete(ctx context.Context, req *nosqldb.MultiDeleteRequest) (*nosqldb.MultiDeleteResult, error) {
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	res, err := c.sdk.MultiDelete(req)
	return res, classify(err)
}

// Query runs statement with binds (names with their '$') to the end, through
// every continuation, and returns all its rows. The statement is prepared
// once per client and reused.
func (c *Client) Query(ctx context.Context, statement string, binds map[string]any) ([]*types.MapValue, error) {
	prepared, err := c.prepare(ctx, statement)
	if err != nil {
		return nil, err
	}
	// A copy per call: binding variables changes a prepared statement, and
	// the cached one is shared by concurrent calls.
	stmt := *prepared
	for name, v := range binds {
		if err := stmt.SetVariable(name, v); err != nil {
			return nil, fmt.Errorf("bind %s: %w", name, err)
		}
	}
	req := &nosqldb.QueryRequest{PreparedStatement: &stmt, Consistency: types.Absolute}
	var rows []*types.MapValue
	for {
		if err := c.setTimeout(ctx, &req.Timeout); err != nil {
			return nil, err
		}
		res, err := c.sdk.Query(req)
		if err != nil {
			return nil, classify(err)
		}
		batch, err := res.GetResults()
		if err != nil {
			return nil, classify(err)
		}
		rows = append(rows, batch...)
		if req.IsDone() {
			return rows, nil
		}
	}
}

// prepare returns the prepared form of statement, from the cache when it
// has been prepared before.
func (c *Client) prepare(ctx context.Context, statement string) (*nosqldb.PreparedStatement, error) {
	c.mu.Lock()
	ps, ok := c.prepared[statement]
	c.mu.Unlock()
	if ok {
		return ps, nil
	}
	req := &nosqldb.PrepareRequest{Statement: statement}
	if err := c.setTimeout(ctx, &req.Timeout); err != nil {
		return nil, err
	}
	res, err := c.sdk.Prepare(req)
	if err != nil {
		return nil, classify(err)
	}
	c.mu.Lock()
	c.prepared[statement] = &res.PreparedStatement
	c.mu.Unlock()
	return &res.PreparedStatement, nil
}

// setTimeout sets *timeout to most of what is left of ctx's deadline, at
// most the configured request timeout, or returns ctx's error when it is
// done. A fifth of the time left is kept back, so that a call whose retries
// run out still leaves the service time to answer its caller (429 or 503)
// before the caller's own deadline passes.
func (c *Client) setTimeout(ctx context.Context, timeout *time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := c.cfg.RequestTimeout
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		d = min(d, left-left/5)
	}
	if d < time.Millisecond {
		return context.DeadlineExceeded
	}
	*timeout = d
	return nil
}

func isCreateTable(stmt string) bool {
	fields := strings.Fields(strings.ToUpper(stmt))
	return len(fields) >= 2 && fields[0] == "CREATE" && fields[1] == "TABLE"
}

// firstWords returns the first n words of s, to name a statement in errors.
func firstWords(s string, n int) string {
	fields := strings.Fields(s)
	if len(fields) > n {
		fields = fields[:n]
	}
	return strings.Join(fields, " ")
}

// sdkIdentity gives an OCI SDK identity the two methods the NoSQL SDK's
// signer asks of it beyond the OCI SDK's.
type sdkIdentity struct {
	ocicommon.ConfigurationProvider
}

// ExpirationTime is always ahead: the OCI SDK's providers renew their own
// credentials before they expire.
func (sdkIdentity) ExpirationTime() time.Time { return time.Now().Add(time.Hour) }

// SecurityTokenFile is not used: no FotoGal identity is a session token.
func (sdkIdentity) SecurityTokenFile() (string, error) {
	return "", errors.New("ociauth identities have no security token file")
}

// requestSigner is the NoSQL SDK's signer under another type; see Open.
type requestSigner struct {
	nosqldb.AuthorizationProvider
}
