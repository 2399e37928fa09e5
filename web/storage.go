package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// The key-value store of the storage and dedupe steps, as the API shows
// it: GET lists a scope's keys, PUT sets one, DELETE removes one. The
// scope is "global" (the keys every workflow shares, the default) or a
// workflow's id.

// kvView is an entry as the API shows it.
type kvView struct {
	Key       string          `json:"key"`
	Value     json.RawMessage `json:"value"`
	ExpiresAt *time.Time      `json:"expires_at"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func viewKV(e store.KV) kvView {
	v := kvView{Key: e.Key, Value: e.Value, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if !e.ExpiresAt.IsZero() {
		v.ExpiresAt = &e.ExpiresAt
	}
	return v
}

// kvScope reads the scope query parameter, answering 422 where it names
// neither global nor a workflow id.
func kvScope(c *gin.Context) (string, bool) {
	scope := c.Query("scope")
	switch {
	case scope == "" || scope == "global":
		return store.KVGlobal, true
	case workflows.ValidID(scope):
		return scope, true
	}
	abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
		Code: "invalid_scope", Message: "scope must be global or a workflow id", Field: "scope"}})
	return "", false
}

// kvKey reads the key query parameter, answering 422 where the store
// would refuse it.
func kvKey(c *gin.Context) (string, bool) {
	key := c.Query("key")
	if err := store.KVCheckKey(key); err != nil {
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
			Code: "invalid_key", Message: err.Error(), Field: "key"}})
		return "", false
	}
	return key, true
}

// listStorage lists a scope's live keys under a prefix, a page at a time:
// next is the cursor (after) of the next page, empty after the last.
func (s *Server) listStorage(c *gin.Context) {
	scope, ok := kvScope(c)
	if !ok {
		return
	}
	limit := 0
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
				Code: "invalid_limit", Message: "limit must be a positive number", Field: "limit"}})
			return
		}
		limit = n
	}
	limit = store.ClampLimit(limit)
	list, err := s.store.KVList(c.Request.Context(), store.KVListParams{
		Scope: scope, Prefix: c.Query("prefix"), After: c.Query("after"), Limit: limit, Now: s.engine.Now()})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]kvView, 0, len(list))
	for _, e := range list {
		out = append(out, viewKV(e))
	}
	next := ""
	if len(list) == limit {
		next = list[len(list)-1].Key
	}
	writeJSON(c, http.StatusOK, gin.H{"entries": out, "next": next})
}

// putStorage sets a key from {"value": <any JSON>, "ttl": "720h"}: the
// entry as stored.
func (s *Server) putStorage(c *gin.Context) {
	scope, ok := kvScope(c)
	if !ok {
		return
	}
	key, ok := kvKey(c)
	if !ok {
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	var req struct {
		Value json.RawMessage `json:"value"`
		TTL   string          `json:"ttl"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Value) == 0 {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
			Code: "bad_json", Message: `the body must be {"value": <any JSON>} (and optionally "ttl": "720h")`, Field: "value"}})
		return
	}
	now := s.engine.Now()
	w := store.KVWrite{Scope: scope, Key: key, Now: now}
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
				Code: "invalid_ttl", Message: "ttl must be a positive duration such as 30m or 720h", Field: "ttl"}})
			return
		}
		w.ExpiresAt = now.Add(d)
	}
	res, err := s.store.KVSet(c.Request.Context(), store.KVSetParams{KVWrite: w, Value: req.Value})
	switch {
	case errors.Is(err, store.ErrKVValue):
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
			Code: "invalid_value", Message: err.Error(), Field: "value"}})
	case err != nil:
		s.fail(c, err)
	default:
		writeJSON(c, http.StatusOK, viewKV(res.Entry))
	}
}

// deleteStorage removes a key: 204, or 404 where it holds nothing.
func (s *Server) deleteStorage(c *gin.Context) {
	scope, ok := kvScope(c)
	if !ok {
		return
	}
	key, ok := kvKey(c)
	if !ok {
		return
	}
	res, err := s.store.KVDelete(c.Request.Context(), store.KVDeleteParams{KVWrite: store.KVWrite{Scope: scope, Key: key, Now: s.engine.Now()}})
	switch {
	case err != nil:
		s.fail(c, err)
	case !res.Existed:
		abort(c, http.StatusNotFound, "not_found", "no such key")
	default:
		c.Status(http.StatusNoContent)
	}
}
