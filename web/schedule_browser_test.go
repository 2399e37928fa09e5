package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestScheduleBrowser: a schedule is picked without cron syntax (weekly on
// days at a time, every N minutes, monthly on a day), the picker writes the
// cron expression and shows the next five times in the trigger's time
// zone; a cron expression typed by hand is read back into the picker where
// it can say it, and left as custom where it cannot.
func TestScheduleBrowser(t *testing.T) {
	b, u := loggedIn(t)
	u.acceptLeaving()
	cron := `[data-field="trigger.schedule"]`
	cronIs := func(want string) {
		t.Helper()
		u.waitJS("the cron expression is "+want, `document.querySelector('[data-field="trigger.schedule"]').value === `+jsString(want))
	}
	// nextTimes are the next five times shown, once they are those of cron.
	nextTimes := func(cron string) []string {
		t.Helper()
		u.waitJS("five next times of "+cron, `document.querySelector('.schedule-next')?.dataset.cron === `+jsString(cron)+
			` && document.querySelectorAll('.schedule-next li').length === 5`)
		return strings.Split(u.eval(`[...document.querySelectorAll('.schedule-next time')].map((t) => t.getAttribute('datetime')).join('\n')`), "\n")
	}

	u.open("/workflows/new")
	u.typeInto("#wf-name", "Monday report")
	u.choose(u.byLabel("Trigger type"), "Schedule")
	u.waitVisible(cron)

	// Weekly, Monday and Wednesday at 07:30, in Berlin.
	u.fill(`[data-field="trigger.timezone"]`, "Europe/Berlin")
	u.choose(u.byLabel("Repeat"), "Weekly, on days")
	for _, day := range []string{"Tuesday", "Thursday", "Friday"} { // Monday to Friday are ticked at first
		u.click(u.byLabel(day))
	}
	u.fill(u.byLabel("At"), "07:30")
	cronIs("30 7 * * 1,3")
	u.waitText(".schedule-status", "Europe/Berlin")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var last time.Time
	for _, s := range nextTimes("30 7 * * 1,3") {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("next time %q: %v", s, err)
		}
		local := at.In(berlin)
		if local.Hour() != 7 || local.Minute() != 30 || (local.Weekday() != time.Monday && local.Weekday() != time.Wednesday) || !at.After(last) {
			t.Errorf("next time %s (%s in Berlin) is not a Monday or Wednesday at 07:30, in order", s, local.Format(time.RFC1123))
		}
		last = at
	}
	if txt := u.eval(`document.querySelector('.schedule-next').innerText`); !strings.Contains(txt, "07:30") {
		t.Errorf("the next times do not read as 07:30: %q", txt)
	}
	u.screenshot("editor-schedule.png")

	// Every 20 minutes.
	u.choose(u.byLabel("Repeat"), "Every N minutes")
	u.fill(u.byLabel("Every (minutes)"), "20")
	cronIs("*/20 * * * *")
	nextTimes("*/20 * * * *")

	// Typed by hand: read back into the picker.
	u.fill(cron, "15 6 1 * *")
	u.waitJS("monthly is picked", `document.querySelector('fieldset.schedule select')?.value === 'monthly'`)
	if got := u.eval(`document.querySelector('.schedule-picker input[type="time"]').value`); got != "06:15" {
		t.Errorf("the time read back is %q, want 06:15", got)
	}
	if got := u.eval(`String(document.querySelector('.schedule-picker input[type="number"][max="31"]').value)`); got != "1" {
		t.Errorf("the day read back is %q, want 1", got)
	}
	u.fill(cron, "0 */2 * * *")
	u.waitJS("every 2 hours is picked", `document.querySelector('fieldset.schedule select')?.value === 'hours'`)
	if got := u.eval(`document.querySelector('fieldset.schedule input.short').value`); got != "2" {
		t.Errorf("every %q hours, want 2", got)
	}
	// One it cannot say stays as typed, as custom; a bad one says why.
	u.fill(cron, "@every 90m")
	u.waitJS("custom is picked", `document.querySelector('fieldset.schedule select')?.value === 'custom'`)
	nextTimes("@every 90m")
	u.fill(cron, "61 * * * *")
	u.waitText(".schedule-status", "Not a schedule")

	// Daily at 05:45, saved as such.
	u.choose(u.byLabel("Repeat"), "Daily")
	u.fill(u.byLabel("At"), "05:45")
	cronIs("45 5 * * *")
	u.click(`[data-add-step="webhook"]`)
	u.fill(`[data-field="steps[0].url"]`, b.recv.URL+"/report")
	u.click("#save")
	u.waitJS("saved", `/^\/workflows\/monday-report/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	var w workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &w)
	if !strings.Contains(string(w.Definition), `"schedule":"45 5 * * *"`) || !strings.Contains(string(w.Definition), `"timezone":"Europe/Berlin"`) {
		t.Errorf("saved: %s", w.Definition)
	}
	// The saved page reads it back as daily at 05:45.
	u.waitJS("daily is shown", `document.querySelector('fieldset.schedule select')?.value === 'daily' && document.querySelector('.schedule-picker input[type="time"]')?.value === '05:45'`)
}
