package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// Every route of the server has one entry in routeRules: the least role
// that may call it and, for a change, the action the audit log records
// (audit.go). authorize enforces it for the admin API; the test that walks
// the router fails on a route without an entry, so a new route must say
// who may call it.

// role orders what a caller may do: a higher one may do all a lower may.
type role int

// The roles. rolePublic routes need no login at all (trigger URLs, health,
// the editor's files, the login itself).
const (
	rolePublic role = iota
	roleViewer
	roleEditor
	roleAdmin
)

// String is the role's name as the API and the store spell it.
func (r role) String() string {
	switch r {
	case roleViewer:
		return store.RoleViewer
	case roleEditor:
		return store.RoleEditor
	case roleAdmin:
		return store.RoleAdmin
	}
	return "public"
}

// parseRole reads a stored or requested role name.
func parseRole(name string) (role, bool) {
	switch name {
	case store.RoleViewer:
		return roleViewer, true
	case store.RoleEditor:
		return roleEditor, true
	case store.RoleAdmin:
		return roleAdmin, true
	}
	return 0, false
}

// routeRule is what routeRules says of one route.
type routeRule struct {
	role role
	// action names the change in the audit log; "" records nothing.
	action string
	// workflow: the route's :id is a workflow, whose revision before and
	// after the change the audit log records.
	workflow bool
	// tap: the answer names what was made (workflow create, import), read
	// from its body for the audit log.
	tap bool
}

// routeRules maps "METHOD /path/:param" (as the router spells its
// patterns; "*" for every method) to its rule.
var routeRules = map[string]routeRule{
	// Public: protected by their own keys, or nothing to protect.
	"* /hooks/:key":                            {role: rolePublic},
	"* /hooks/test/:key":                       {role: rolePublic},
	"GET /hooks/resume/:token":                 {role: rolePublic},
	"POST /hooks/resume/:token":                {role: rolePublic},
	"GET /healthz":                             {role: rolePublic},
	"GET /readyz":                              {role: rolePublic},
	"GET /metrics":                             {role: rolePublic},
	"GET /":                                    {role: rolePublic},
	"HEAD /":                                   {role: rolePublic},
	"GET /assets/*file":                        {role: rolePublic},
	"HEAD /assets/*file":                       {role: rolePublic},
	"POST /api/v1/session":                     {role: rolePublic}, // the login; audited by login itself
	"DELETE /api/v1/session":                   {role: rolePublic},
	"GET /api/v1/session":                      {role: roleViewer},
	"GET /api/v1/openapi.json":                 {role: roleViewer},
	"GET /api/v1/kinds":                        {role: roleViewer},
	"GET /api/v1/templates":                    {role: roleViewer},
	"POST /api/v1/expr":                        {role: roleViewer}, // previews: they change nothing
	"POST /api/v1/condition":                   {role: roleViewer},
	"GET /api/v1/schedule/next":                {role: roleViewer},
	"GET /api/v1/workflows":                    {role: roleViewer},
	"GET /api/v1/workflows/:id":                {role: roleViewer},
	"GET /api/v1/export":                       {role: roleViewer},
	"GET /api/v1/runs":                         {role: roleViewer},
	"GET /api/v1/runs/:id":                     {role: roleViewer},
	"GET /api/v1/runs/:id/waits":               {role: roleViewer},
	"GET /api/v1/storage":                      {role: roleViewer},
	"GET /api/v1/apps":                         {role: roleViewer},
	"GET /api/v1/tokens":                       {role: roleViewer}, // one's own; an admin's: all
	"POST /api/v1/tokens":                      {role: roleViewer, action: "token.create"},
	"DELETE /api/v1/tokens/:id":                {role: roleViewer, action: "token.revoke"},
	"PUT /api/v1/session/password":             {role: roleViewer, action: "user.password"},
	"GET /api/v1/workflows/:id/revisions":      {role: roleViewer},
	"GET /api/v1/workflows/:id/revisions/:rev": {role: roleViewer},
	"GET /api/v1/workflows/:id/stats":          {role: roleViewer},
	"GET /api/v1/workflows/:id/events":         {role: roleViewer},
	"GET /api/v1/workflows/:id/events/next":    {role: roleViewer},

	// Editors change workflows, run and replay them, write storage.
	"POST /api/v1/workflows":                             {role: roleEditor, action: "workflow.create", tap: true},
	"PUT /api/v1/workflows/:id":                          {role: roleEditor, action: "workflow.update", workflow: true},
	"DELETE /api/v1/workflows/:id":                       {role: roleEditor, action: "workflow.delete", workflow: true},
	"POST /api/v1/workflows/:id/enable":                  {role: roleEditor, action: "workflow.enable", workflow: true},
	"POST /api/v1/workflows/:id/disable":                 {role: roleEditor, action: "workflow.disable", workflow: true},
	"POST /api/v1/workflows/:id/rotate-key":              {role: roleEditor, action: "workflow.rotate_key", workflow: true},
	"POST /api/v1/workflows/:id/revisions/:rev/rollback": {role: roleEditor, action: "workflow.rollback", workflow: true},
	"POST /api/v1/workflows/:id/test":                    {role: roleEditor, action: "workflow.test"},
	"POST /api/v1/workflows/:id/runs":                    {role: roleEditor, action: "run.start"},
	"POST /api/v1/import":                                {role: roleEditor, action: "workflow.import", tap: true},
	"POST /api/v1/runs/:id/replay":                       {role: roleEditor, action: "run.replay", tap: true},
	"POST /api/v1/runs/:id/resume":                       {role: roleEditor, action: "run.resume"},
	"POST /api/v1/runs/:id/cancel":                       {role: roleEditor, action: "run.cancel"},
	"POST /api/v1/runs/:id/retry-now":                    {role: roleEditor, action: "run.retry_now"},
	"GET /api/v1/replays":                                {role: roleViewer},
	"GET /api/v1/replays/:id":                            {role: roleViewer},
	"POST /api/v1/replays":                               {role: roleEditor, action: "replay.start", tap: true},
	"DELETE /api/v1/replays/:id":                         {role: roleEditor, action: "replay.cancel"},
	"GET /api/v1/issues":                                 {role: roleViewer},
	"POST /api/v1/issues/:id":                            {role: roleEditor, action: "issue.update"},
	"GET /api/v1/destinations":                           {role: roleViewer},
	"POST /api/v1/destinations/:key/resume":              {role: roleEditor, action: "destination.resume"},
	"GET /api/v1/dashboard":                              {role: roleViewer},
	"PUT /api/v1/storage":                                {role: roleEditor, action: "storage.set"},
	"DELETE /api/v1/storage":                             {role: roleEditor, action: "storage.delete"},
	"GET /api/v1/secrets":                                {role: roleEditor}, // names only: the editor's secret fields offer them

	// Admins manage users, secrets, tokens and settings, and read the
	// audit log.
	"PUT /api/v1/secrets/:name":    {role: roleAdmin, action: "secret.set"},
	"DELETE /api/v1/secrets/:name": {role: roleAdmin, action: "secret.delete"},
	"POST /api/v1/token/rotate":    {role: roleAdmin, action: "admin_token.rotate"},
	"GET /api/v1/users":            {role: roleAdmin},
	"POST /api/v1/users":           {role: roleAdmin, action: "user.create"},
	"PUT /api/v1/users/:id":        {role: roleAdmin, action: "user.update"},
	"DELETE /api/v1/users/:id":     {role: roleAdmin, action: "user.delete"},
	"GET /api/v1/audit":            {role: roleAdmin},
}

// ruleFor returns the rule of a route, and whether it has its own entry.
// A route without one gets the default: reading (GET, HEAD) is a viewer's,
// anything else an editor's and audited under its method and pattern.
func ruleFor(method, pattern string) (routeRule, bool) {
	if r, ok := routeRules[method+" "+pattern]; ok {
		return r, true
	}
	if r, ok := routeRules["* "+pattern]; ok {
		return r, true
	}
	if method == http.MethodGet || method == http.MethodHead {
		return routeRule{role: roleViewer}, false
	}
	return routeRule{role: roleEditor, action: method + " " + pattern}, false
}

// authorize guards the admin API: it finds who calls (authenticate), lets
// the call through only where their role is at least the route's, and
// records a change in the audit log once it is made.
func (s *Server) authorize(c *gin.Context) {
	p, ok := s.authenticate(c)
	if !ok {
		return
	}
	rule, _ := ruleFor(c.Request.Method, c.FullPath())
	if p.role < rule.role {
		if rule.action != "" { // an attempted change is recorded too
			s.audit(c, store.AuditEntry{Actor: p.actor(), Via: p.via, Action: "denied", Target: c.Param("id") + c.Param("name"),
				Detail: `{"action":"` + rule.action + `","needs":"` + rule.role.String() + `"}`})
		}
		abort(c, http.StatusForbidden, "not_allowed",
			"not allowed: this needs the "+rule.role.String()+" role, and "+p.who()+" has the "+p.role.String()+" role")
		return
	}
	c.Set(principalKey, p)
	if rule.action == "" {
		c.Next()
		return
	}
	s.audited(c, p, rule)
}
