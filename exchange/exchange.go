// Package exchange wires the whole exchange together on an open store: the
// account, strategic, event, ledger and live services, the webhook
// dispatcher and the HTTP API over them. It is what `deconflict serve` runs
// and what the API tests stand up, so the two cannot drift apart.
//
// It holds no logic of its own: each piece decides in its own package.
package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/api"
	"github.com/deconflict/deconflict/delivery"
	"github.com/deconflict/deconflict/events"
	"github.com/deconflict/deconflict/hub"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/ledger"
	"github.com/deconflict/deconflict/live"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// Config configures an Exchange. Zero fields take the defaults of their
// packages.
type Config struct {
	// KeyDir is the folder of the ledger's signing key (ledger.key), made at
	// first start; Origin names the log in its checkpoints.
	KeyDir, Origin string
	// AdminToken, when set, becomes the admin token; else one is made at
	// first start and returned once in Exchange.NewAdminToken.
	AdminToken string
	Settings   deconflict.Settings
	// Strategy configures the strategic service; its Settings are Settings
	// above and its Journal, when nil, is the exchange's.
	Strategy strategic.Config
	// Live configures the live picture; its Store, Journal and Settings are
	// filled in, and its separation minima default to the operation minima.
	Live     live.Config
	Delivery delivery.Options
	// CheckURL vets webhook URLs (default delivery.CheckURL).
	CheckURL func(ctx context.Context, url string) error
	Logger   *slog.Logger
	// Metrics adds series to /metrics.
	Metrics func(io.Writer)
	// Unrecorded is for measuring what the record costs, and nothing else:
	// operations and zones are then changed without their events and ledger
	// entries, so that the exchange proves nothing of them
	// (`deconflict bench --compare-record`). No flag of serve sets it.
	Unrecorded bool
}

// Exchange is the exchange running on a store.
type Exchange struct {
	Store     *sqlite.Store
	Accounts  *accounts.Service
	Strategic *strategic.Service
	Events    *events.Service
	Live      *live.Service
	Webhooks  *delivery.Dispatcher
	Handler   http.Handler
	// NewAdminToken is the admin token made at this start ("" when there
	// was one already); show it once.
	NewAdminToken string
	// VerifierKey is the key the ledger's checkpoints verify with.
	VerifierKey string

	stopHooks context.CancelFunc
	hooksDone chan struct{}
}

// New builds the exchange on store and starts its background work (webhook
// delivery, the live picture). Close stops it; the store stays the caller's
// to close.
func New(ctx context.Context, store *sqlite.Store, cfg Config) (*Exchange, error) {
	if cfg.Settings == (deconflict.Settings{}) {
		cfg.Settings = deconflict.DefaultSettings()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CheckURL == nil {
		cfg.CheckURL = delivery.CheckURL
	}
	x := &Exchange{Store: store}
	x.Accounts = accounts.New(store)
	var err error
	if x.NewAdminToken, err = x.Accounts.EnsureAdmin(ctx, cfg.AdminToken); err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	jl := journal.New(cfg.Strategy.Now)
	cfg.Strategy.Settings = cfg.Settings
	if cfg.Strategy.Journal == nil && !cfg.Unrecorded {
		cfg.Strategy.Journal = jl.Record
	}
	if x.Strategic, err = strategic.New(ctx, store, cfg.Strategy); err != nil {
		return nil, fmt.Errorf("strategic service: %w", err)
	}
	signer, vkey, err := ledger.LoadOrCreateKey(cfg.KeyDir, cfg.Origin)
	if err != nil {
		return nil, fmt.Errorf("ledger key: %w", err)
	}
	x.VerifierKey = vkey
	hb := hub.New(0)
	if cfg.Delivery.Logger == nil {
		cfg.Delivery.Logger = cfg.Logger
	}
	x.Webhooks = delivery.New(events.DeliveryStore(store, jl), cfg.Delivery)
	store.OnEvents(func(evs []deconflict.StoredEvent) {
		hb.Publish(evs)
		for _, e := range evs {
			x.Webhooks.Notify(e.Party)
		}
	})
	x.Events = events.New(events.Config{Store: store, Journal: jl, Hub: hb, Signer: signer, Now: cfg.Strategy.Now,
		CheckURL: cfg.CheckURL, Webhooks: x.Webhooks})
	cfg.Live.Store, cfg.Live.Journal, cfg.Live.Settings = store, jl, cfg.Settings
	if cfg.Live.Logger == nil {
		cfg.Live.Logger = cfg.Logger
	}
	// Aircraft are separated live by the same minima as their operations.
	if cfg.Live.Engine.LateralM == 0 && cfg.Live.Engine.VerticalM == 0 {
		cfg.Live.Engine.LateralM, cfg.Live.Engine.VerticalM = cfg.Settings.OperationMinima.LateralM, cfg.Settings.OperationMinima.VerticalM
	}
	if x.Live, err = live.New(ctx, cfg.Live); err != nil {
		return nil, fmt.Errorf("live picture: %w", err)
	}
	hooksCtx, stop := context.WithCancel(context.Background())
	x.stopHooks, x.hooksDone = stop, make(chan struct{})
	go func() {
		defer close(x.hooksDone)
		x.Webhooks.Run(hooksCtx) //nolint:errcheck // only ErrRunning, and it runs once
	}()
	x.Handler = api.NewServer(api.Config{
		Accounts:   x.Accounts,
		Operations: x.Strategic,
		Zones:      x.Strategic,
		Conflicts:  x.Strategic,
		Events:     x.Events,
		Ledger:     x.Events,
		Live:       x.Live,
		Ready:      store.Ping,
		Settings:   cfg.Settings,
		Logger:     cfg.Logger,
		Metrics: func(w io.Writer) {
			x.Live.WriteMetrics(w)
			if cfg.Metrics != nil {
				cfg.Metrics(w)
			}
		},
	})
	return x, nil
}

// Close stops webhook delivery and the live picture (writing the alert
// events still queued). The store stays open.
func (x *Exchange) Close() error {
	x.stopHooks()
	<-x.hooksDone
	return errors.Join(x.Live.Close())
}
