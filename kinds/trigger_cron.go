package kinds

import (
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hookflow/hookflow/workflows"
)

// cronParser reads schedules: five fields, an optional leading seconds
// field, and descriptors such as @daily and @every 5m.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:    "cron",
			Title:   "Schedule",
			Summary: "Starts a run at the times a schedule gives, once across every replica.",
			Fields: []workflows.Field{
				{Name: "schedule", Label: "Schedule", Kind: workflows.ValueSchedule, Required: true, Placeholder: "0 9 * * 1-5",
					Help: "Minute, hour, day of month, month and day of week (an optional seconds field first), or @hourly, @daily, @every 5m."},
				{Name: "timezone", Label: "Time zone", Kind: workflows.ValueText, Default: "UTC", Placeholder: "Europe/Berlin",
					Help: "The time zone the schedule is read in."},
			},
			Example: []byte(`{"type": "cron", "schedule": "0 9 * * 1-5", "timezone": "Europe/Berlin"}`),
		},
		New: func() workflows.TriggerSettings { return &CronSettings{} },
	})
}

// CronSettings are a cron trigger's fields.
type CronSettings struct {
	// Schedule is a cron expression.
	Schedule string `json:"schedule,omitempty"`
	// Timezone of the schedule, e.g. "Europe/Berlin" (default UTC).
	Timezone string `json:"timezone,omitempty"`
}

// CronTrigger is a cron trigger compiled: when it fires.
type CronTrigger struct {
	*CronSettings
	Schedule cron.Schedule
	Location *time.Location
}

// Compile parses the schedule and loads the time zone.
func (s *CronSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	if s.Schedule == "" {
		return nil, b.Errorf("schedule", "is required for cron triggers")
	}
	sched, err := cronParser.Parse(s.Schedule)
	if err != nil {
		return nil, b.Errorf("schedule", "%v", err)
	}
	t := &CronTrigger{CronSettings: s, Schedule: sched, Location: time.UTC}
	if s.Timezone != "" {
		loc, err := time.LoadLocation(s.Timezone)
		if err != nil {
			return nil, b.Errorf("timezone", "unknown time zone %q", s.Timezone)
		}
		t.Location = loc
	}
	return t, nil
}

// NextFires returns the next n fire times after from.
func (t *CronTrigger) NextFires(from time.Time, n int) []time.Time {
	out := make([]time.Time, 0, n)
	at := from.In(t.Location)
	for len(out) < n {
		at = t.Schedule.Next(at)
		if at.IsZero() {
			break
		}
		out = append(out, at)
	}
	return out
}
