package bench

// WorkflowDefinition is the bench workflow of mode (hookflow/v1 JSON),
// delivering to receiverURL: tests elsewhere run it to measure the very
// work the bench measures.
func WorkflowDefinition(mode Mode, receiverURL string) ([]byte, error) {
	return workflowDefinition(mode, receiverURL, 0)
}
