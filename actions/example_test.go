package actions_test

import (
	"fmt"
	"time"

	"github.com/hookflow/hookflow/actions"
)

// The Standard Webhooks specification's own test vector.
func ExampleSign() {
	sig, err := actions.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExampleParseEgressAllow() {
	egress, err := actions.ParseEgressAllow("127.0.0.1,10.0.0.0/8,internal.example")
	if err != nil {
		panic(err)
	}
	s := actions.NewSender(actions.Config{Egress: egress})
	fmt.Println(s.Egress().Off())
	_, err = actions.ParseEgressAllow("10.0.0.0/33")
	fmt.Println(err)
	// Output:
	// false
	// egress allow "10.0.0.0/33": not an IP, CIDR or hostname
}
