package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestScheduleNext: GET /api/v1/schedule/next gives a schedule's next fire
// times in its time zone, as the cron trigger reads it, and refuses a bad
// schedule, time zone or count naming the parameter at fault.
func TestScheduleNext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	next := func(q url.Values, want int) map[string]any {
		t.Helper()
		return b.apiOK(http.MethodGet, "/api/v1/schedule/next?"+q.Encode(), nil, want)
	}
	times := func(got map[string]any) []time.Time {
		t.Helper()
		var out []time.Time
		for _, v := range got["next"].([]any) {
			at, err := time.Parse(time.RFC3339, v.(string))
			if err != nil {
				t.Fatalf("next time %v: %v", v, err)
			}
			out = append(out, at)
		}
		return out
	}

	t.Run("weekdays at nine in Berlin", func(t *testing.T) {
		before := time.Now()
		got := next(url.Values{"cron": {"0 9 * * 1-5"}, "timezone": {"Europe/Berlin"}}, http.StatusOK)
		if got["timezone"] != "Europe/Berlin" || got["cron"] != "0 9 * * 1-5" {
			t.Errorf("answer = %v", got)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		fires := times(got)
		if len(fires) != 5 {
			t.Fatalf("%d times, want 5 by default: %v", len(fires), got["next"])
		}
		for i, at := range fires {
			local := at.In(berlin)
			if local.Hour() != 9 || local.Minute() != 0 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
				t.Errorf("fire %d at %s, want 09:00 on a weekday in Berlin", i, local)
			}
			if _, off := at.Zone(); off != func() int { _, o := local.Zone(); return o }() {
				t.Errorf("fire %d %s is not given in Berlin's offset", i, at)
			}
			if i == 0 && !at.After(before) {
				t.Errorf("first fire %s is not after now (%s)", at, before)
			}
			if i > 0 && !at.After(fires[i-1]) {
				t.Errorf("fires out of order: %v", fires)
			}
		}
	})

	t.Run("every 15 minutes, count", func(t *testing.T) {
		fires := times(next(url.Values{"cron": {"*/15 * * * *"}, "count": {"3"}}, http.StatusOK))
		if len(fires) != 3 {
			t.Fatalf("%d times, want 3", len(fires))
		}
		for i, at := range fires {
			if at.Minute()%15 != 0 || at.Second() != 0 {
				t.Errorf("fire %d at %s", i, at)
			}
			if i > 0 && at.Sub(fires[i-1]) != 15*time.Minute {
				t.Errorf("fires %s and %s are not 15 minutes apart", fires[i-1], at)
			}
			if _, off := at.Zone(); off != 0 {
				t.Errorf("fire %s is not in UTC, the default zone", at)
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			q      url.Values
			status int
			code   string
			field  string
		}{
			{url.Values{"cron": {"61 * * * *"}}, http.StatusUnprocessableEntity, "invalid_schedule", "cron"},
			{url.Values{"cron": {"every day"}}, http.StatusUnprocessableEntity, "invalid_schedule", "cron"},
			{url.Values{"cron": {"0 9 * * *"}, "timezone": {"Mars/Olympus"}}, http.StatusUnprocessableEntity, "invalid_schedule", "timezone"},
			{url.Values{}, http.StatusBadRequest, "missing_cron", "cron"},
			{url.Values{"cron": {"0 9 * * *"}, "count": {"0"}}, http.StatusBadRequest, "bad_count", "count"},
			{url.Values{"cron": {"0 9 * * *"}, "count": {"51"}}, http.StatusBadRequest, "bad_count", "count"},
		} {
			r := b.api(http.MethodGet, "/api/v1/schedule/next?"+c.q.Encode(), nil)
			e := wantError(t, r, c.status, c.code)
			if e["field"] != c.field {
				t.Errorf("%v: field = %v, want %s", c.q, e["field"], c.field)
			}
		}
	})
}
