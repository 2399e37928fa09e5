// Package workflows defines Hookflow's workflow format "hookflow/v1": the
// types a definition decodes into, its validation, the compilation of every
// expression it holds into programs that run many times, and the
// interpolation of "{{ expr }}" templates in string fields.
//
// A definition is JSON. Decode refuses unknown fields, Validate names the
// step, the field and expr's own message (with line and column) of the first
// problem it finds, and Compile turns a valid definition into a Compiled
// workflow that the engine executes.
package workflows
