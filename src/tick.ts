// touch
// touch2
