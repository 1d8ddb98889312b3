package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// access says who may call a route.
type access int

const (
	public    access = iota // anyone, no token
	partyOnly               // a party's token
	adminOnly               // the admin token
)

// route is one entry of the route table: the single list of what the server
// serves, which the OpenAPI test enumerates.
type route struct {
	method  string
	path    string // ServeMux pattern path, also the OpenAPI path
	access  access
	handler func(s *Server, w http.ResponseWriter, r *http.Request, c deconflict.Caller) error
}

// routes is the route table. zones:import and conflicts:check are literal
// path segments (the colon marks an action on a collection).
var routes = []route{
	{"POST", "/v1/parties", adminOnly, (*Server).createParty},
	{"POST", "/v1/parties/{id}/tokens", adminOnly, (*Server).createToken},
	{"DELETE", "/v1/tokens/{prefix}", adminOnly, (*Server).revokeToken},
	{"PUT", "/v1/groups/{name}", adminOnly, (*Server).putGroup},

	{"PUT", "/v1/operations/{id}", partyOnly, (*Server).putOperation},
	{"GET", "/v1/operations/{id}", partyOnly, (*Server).getOperation},
	{"DELETE", "/v1/operations/{id}", partyOnly, (*Server).cancelOperation},
	{"GET", "/v1/operations", partyOnly, (*Server).listOperations},

	{"PUT", "/v1/zones/{id}", partyOnly, (*Server).putZone},
	{"GET", "/v1/zones/{id}", partyOnly, (*Server).getZone},
	{"DELETE", "/v1/zones/{id}", partyOnly, (*Server).deleteZone},
	{"GET", "/v1/zones", partyOnly, (*Server).listZones},
	{"POST", "/v1/zones:import", partyOnly, (*Server).importZones},

	{"POST", "/v1/conflicts:check", partyOnly, (*Server).checkConflicts},
	{"GET", "/v1/conflicts", partyOnly, (*Server).listConflicts},

	{"POST", "/v1/tracks", partyOnly, (*Server).postTracks},
	{"POST", "/v1/tracks:stream", partyOnly, (*Server).streamTracks},
	{"GET", "/v1/tracks", partyOnly, (*Server).getTracks},
	{"PUT", "/v1/tracks/sharing", partyOnly, (*Server).putTrackSharing},
	{"GET", "/v1/tracks/sharing", partyOnly, (*Server).getTrackSharing},
	{"GET", "/v1/alerts", partyOnly, (*Server).getAlerts},

	{"GET", "/v1/events", partyOnly, (*Server).events},
	{"POST", "/v1/events/{id}/ack", partyOnly, (*Server).ackEvent},
	{"POST", "/v1/messages", partyOnly, (*Server).sendMessage},
	{"PUT", "/v1/webhooks/{id}", partyOnly, (*Server).putWebhook},
	{"GET", "/v1/webhooks/{id}", partyOnly, (*Server).getWebhook},
	{"DELETE", "/v1/webhooks/{id}", partyOnly, (*Server).deleteWebhook},
	{"GET", "/v1/webhooks", partyOnly, (*Server).listWebhooks},

	{"GET", "/v1/ledger/checkpoint", public, (*Server).ledgerCheckpoint},
	{"GET", "/v1/ledger/key", public, (*Server).ledgerKey},
	{"GET", "/v1/ledger/entries", partyOnly, (*Server).ledgerEntries},
	{"GET", "/v1/ledger/proofs/inclusion", public, (*Server).inclusionProof},
	{"GET", "/v1/ledger/proofs/consistency", public, (*Server).consistencyProof},

	{"GET", "/v1/openapi.json", public, (*Server).openAPI},
	{"GET", "/healthz", public, (*Server).healthz},
	{"GET", "/readyz", public, (*Server).readyz},
	{"GET", "/metrics", public, (*Server).metricsPage},
}

// Route is one route the server serves, as the OpenAPI document names it.
type Route struct {
	Method string // GET, PUT, POST or DELETE
	Path   string // such as /v1/operations/{id}
	Auth   string // "none", "party" or "admin"
}

// Routes lists every route the server serves, for documentation and tests.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, rt := range routes {
		out[i] = Route{Method: rt.method, Path: rt.path, Auth: [...]string{"none", "party", "admin"}[rt.access]}
	}
	return out
}
