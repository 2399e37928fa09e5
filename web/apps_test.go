package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAppsRoute: GET /api/v1/apps lists the shipped apps by category then
// name, each with its actions' forms, and needs the admin token.
func TestAppsRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := b.apiOK(http.MethodGet, "/api/v1/apps", nil, http.StatusOK)
	var order []string
	byID := map[string]map[string]any{}
	for _, a := range got["apps"].([]any) {
		app := a.(map[string]any)
		order = append(order, app["category"].(string)+"/"+app["name"].(string))
		byID[app["id"].(string)] = app
	}
	for i := 1; i < len(order); i++ {
		if order[i-1] > order[i] {
			t.Errorf("apps not by category then name: %v", order)
		}
	}
	for _, id := range []string{"slack", "discord", "teams", "telegram", "mattermost", "pagerduty"} {
		app := byID[id]
		if app == nil || app["shipped"] != true || !strings.HasPrefix(app["icon"].(string), "<svg") {
			t.Errorf("%s: %v", id, app)
		}
	}
	pd := byID["pagerduty"]["actions"].([]any)
	if len(pd) != 3 || pd[0].(map[string]any)["id"] != "trigger" {
		t.Fatalf("pagerduty actions: %v", pd)
	}
	var fields []string
	for _, f := range pd[0].(map[string]any)["fields"].([]any) {
		fields = append(fields, f.(map[string]any)["name"].(string))
	}
	if strings.Join(fields, ",") != "routing_key,summary,source,severity,dedup_key,component,group,class,custom_details,base_url" {
		t.Errorf("pagerduty trigger fields: %v", fields)
	}
	if r := b.send(http.MethodGet, "/api/v1/apps", nil); r.status != http.StatusUnauthorized {
		t.Errorf("without the token: %d", r.status)
	}
}
