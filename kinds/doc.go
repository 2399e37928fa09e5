// Package kinds holds every kind of step, trigger and trigger auth Hookflow
// has, one file each (step_<type>.go, trigger_<type>.go, auth_<type>.go):
// a kind's settings as they are
// decoded from a definition, how they are checked and compiled when the
// workflow is saved, how the editor and the docs describe them, and, for a
// step, how it runs. Each file registers its kind with package workflows
// when the program starts; nothing else lists them. Adding a kind is
// adding its file and its test.
//
// A step runs through a Runtime the engine provides. A trigger's kind
// compiles what its receiver (the webhook trigger) or its scheduler (cron)
// in package triggers reads; an auth scheme's file holds its check, which
// the receiver calls (Authenticate).
package kinds
