// Package engine runs workflows. Accept makes an event durable together with
// its queued run (concurrent accepts share one transaction: group commit);
// a dispatcher claims due runs from the store with a lease and hands them to
// a pool of workers; a worker executes the run's steps in order, records each
// step attempt, and leaves the run succeeded, filtered, failed, retrying (a
// webhook step to try again later) or waiting (a delay). Nothing sleeps on a
// retry or a delay: the run's next due time is in the store, and whichever
// worker claims it then resumes at the step it stopped at.
package engine
