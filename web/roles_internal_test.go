package web

// RouteRole is the least role a route needs ("public", "viewer", "editor",
// "admin"), and whether routeRules has its own entry for it.
func RouteRole(method, pattern string) (string, bool) {
	r, ok := ruleFor(method, pattern)
	return r.role.String(), ok
}
