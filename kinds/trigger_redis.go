package kinds

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookflow/hookflow/workflows"
)

// The redis trigger's defaults.
const (
	DefaultRedisClaimAfter = time.Minute
	DefaultRedisBodyField  = "body"
	// redisBatch is how many entries one read takes; their events share
	// the store's transactions.
	redisBatch = 64
	// redisBlock is how long one read waits for entries.
	redisBlock = 2 * time.Second
)

// The redis trigger's start values: where a group it creates begins.
const (
	redisStartNew = "new"
	redisStartAll = "all"
)

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:  "redis",
			Title: "Redis stream",
			Summary: "Starts a run for each entry of a Redis stream, read by a consumer group that every replica joins; " +
				"an entry is acknowledged (XACK) only once its event is stored, and the entries a stopped replica left are taken over.",
			Fields: []workflows.Field{
				{Name: "url", Label: "Server URL", Kind: workflows.ValueSecret, Required: true, Placeholder: "{{ secrets.redis }}",
					Help: "The Redis server, usually kept in a secret: redis://user:password@redis.example.com:6379/0, " +
						"or rediss:// for TLS. It is never logged."},
				{Name: "stream", Label: "Stream", Kind: workflows.ValueText, Required: true, Placeholder: "orders",
					Help: "The stream's key."},
				{Name: "group", Label: "Consumer group", Kind: workflows.ValueText, Placeholder: "hookflow-WORKFLOW_ID",
					Help: "The consumer group every replica reads in, so each entry is taken once; created (with the stream) where missing. " +
						"Empty: hookflow- and the workflow's id."},
				{Name: "start", Label: "A new group starts with", Kind: workflows.ValueSelect, Default: redisStartNew,
					Options: []workflows.Option{
						{Value: redisStartNew, Label: "Entries added from now on"},
						{Value: redisStartAll, Label: "Every entry in the stream"},
					},
					Help: "Where a group Hookflow creates begins; a group that exists goes on where it is."},
				{Name: "body_field", Label: "Body field", Kind: workflows.ValueText, Default: DefaultRedisBodyField,
					Help: "The entry's field holding the message (JSON is read as JSON); its other fields are the headers. " +
						"An entry without it is the payload as a whole, an object of its fields."},
				{Name: "claim_after", Label: "Take over entries idle for", Kind: workflows.ValueDuration, Default: DefaultRedisClaimAfter.String(),
					Help: "An entry read but not acknowledged for this long (its replica stopped, or it could not be stored) is taken over and tried again."},
			},
			Example: []byte(`{"type": "redis", "url": "{{ secrets.redis }}", "stream": "orders"}`),
		},
		New: func() workflows.TriggerSettings { return &RedisSettings{} },
	})
}

// RedisSettings are a redis trigger's fields.
type RedisSettings struct {
	// URL is the server's URL, a template (usually {{ secrets.redis }}).
	URL string `json:"url,omitempty"`
	// Stream is the stream's key.
	Stream string `json:"stream,omitempty"`
	// Group is the consumer group (default hookflow-WORKFLOW_ID).
	Group string `json:"group,omitempty"`
	// Start is where a group created begins: new (default) or all.
	Start string `json:"start,omitempty"`
	// BodyField is the entry field holding the message (default body).
	BodyField string `json:"body_field,omitempty"`
	// ClaimAfter is how long an entry stays pending before another
	// consumer takes it over (default 1m).
	ClaimAfter string `json:"claim_after,omitempty"`
}

// RedisTrigger is a redis trigger compiled: a stream's consumer group.
type RedisTrigger struct {
	url        *workflows.Template
	stream     string
	group      string
	startID    string
	bodyField  string
	claimAfter time.Duration
}

var _ Consumer = (*RedisTrigger)(nil)

// Compile checks the settings.
func (s *RedisSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &RedisTrigger{stream: s.Stream, group: s.Group, startID: "$", bodyField: s.BodyField, claimAfter: DefaultRedisClaimAfter}
	var err error
	if s.URL == "" {
		return nil, b.Required("url")
	}
	if t.url, err = b.Template("url", s.URL); err != nil {
		return nil, err
	}
	if t.url.IsLiteral() {
		if _, err := redisOptions(s.URL); err != nil {
			return nil, b.Errorf("url", "%v", err)
		}
	}
	if s.Stream == "" {
		return nil, b.Required("stream")
	}
	switch s.Start {
	case "", redisStartNew:
	case redisStartAll:
		t.startID = "0"
	default:
		return nil, b.Errorf("start", "must be new or all, got %q", s.Start)
	}
	if t.bodyField == "" {
		t.bodyField = DefaultRedisBodyField
	}
	if s.ClaimAfter != "" {
		if t.claimAfter, err = b.Duration("claim_after", s.ClaimAfter); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// redisOptions reads a server URL; its errors never show the URL.
func redisOptions(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("must be a redis:// or rediss:// URL, got scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("has no host")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, errors.New("is not a Redis URL (redis://user:password@host:6379/0)")
	}
	return opts, nil
}

// Consume reads the stream until ctx ends, connecting again whenever the
// connection is lost.
func (t *RedisTrigger) Consume(ctx context.Context, host ConsumerHost) error {
	// One name per replica and Consume: the entries it leaves pending when
	// it stops are claimed by the others (or its successor) once idle.
	name, _ := os.Hostname()
	consumer := fmt.Sprintf("%s-%d-%04x", name, os.Getpid(), rand.N(0x10000))
	return runSessions(ctx, host, func(ctx context.Context, connected func()) error {
		return t.session(ctx, host, consumer, connected)
	})
}

// redisSession is one connection's reading.
type redisSession struct {
	t        *RedisTrigger
	host     ConsumerHost
	client   *redis.Client
	group    string
	consumer string
}

// session is one connection: it reads until ctx ends or a command fails.
func (t *RedisTrigger) session(ctx context.Context, host ConsumerHost, consumer string, connected func()) error {
	raw, err := host.Render(t.url)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	opts, err := redisOptions(raw)
	if err != nil {
		return fmt.Errorf("url %w", err)
	}
	tlsConfig := opts.TLSConfig
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := host.Dial(ctx, network, addr)
		if err != nil || tlsConfig == nil {
			return conn, err
		}
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
	opts.ClientName = "hookflow"
	opts.MaxRetries = -1 // a failed command ends the session, which starts again
	opts.PoolSize = 4
	opts.ReadTimeout = redisBlock + 10*time.Second
	client := redis.NewClient(opts)
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() }) // ends a blocked read
	defer stop()

	s := &redisSession{t: t, host: host, client: client, group: t.group, consumer: consumer}
	if s.group == "" {
		s.group = "hookflow-" + host.WorkflowID()
	}
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	err = client.XGroupCreateMkStream(ctx, t.stream, s.group, t.startID).Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create group %q of stream %q: %w", s.group, t.stream, err)
	}
	connected()
	// The entries this consumer read before (a session that ended before
	// it acknowledged them) come first.
	if err := s.readOwn(ctx); err != nil {
		return s.ended(ctx, err)
	}
	claimEvery := max(t.claimAfter/2, time.Second)
	nextClaim := time.Time{}
	for {
		if now := time.Now(); !now.Before(nextClaim) {
			if err := s.claim(ctx); err != nil {
				return s.ended(ctx, err)
			}
			nextClaim = now.Add(claimEvery)
		}
		res, err := client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: s.group, Consumer: consumer,
			Streams: []string{t.stream, ">"}, Count: redisBatch, Block: redisBlock}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				return fmt.Errorf("the group %q of stream %q is gone: %w", s.group, t.stream, err)
			}
			return s.ended(ctx, fmt.Errorf("read: %w", err))
		}
		for _, st := range res {
			if err := s.take(ctx, st.Messages, false); err != nil {
				return s.ended(ctx, err)
			}
		}
	}
}

// ended is a session's error, none where ctx ended.
func (s *redisSession) ended(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// readOwn takes the entries pending for this consumer.
func (s *redisSession) readOwn(ctx context.Context) error {
	after := "0"
	for {
		res, err := s.client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: s.group, Consumer: s.consumer,
			Streams: []string{s.t.stream, after}, Count: redisBatch}).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pending entries: %w", err)
		}
		if len(res) == 0 || len(res[0].Messages) == 0 {
			return nil
		}
		msgs := res[0].Messages
		if err := s.take(ctx, msgs, true); err != nil {
			return err
		}
		after = msgs[len(msgs)-1].ID
	}
}

// claim takes over the entries idle for claimAfter in the group (those of
// a consumer that stopped, or that could not be stored), and removes
// consumers long gone that hold none.
func (s *redisSession) claim(ctx context.Context) error {
	start := "0-0"
	for {
		msgs, next, err := s.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: s.t.stream, Group: s.group,
			MinIdle: s.t.claimAfter, Start: start, Count: redisBatch, Consumer: s.consumer}).Result()
		if err != nil {
			return fmt.Errorf("claim idle entries: %w", err)
		}
		if err := s.take(ctx, msgs, true); err != nil {
			return err
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	consumers, err := s.client.XInfoConsumers(ctx, s.t.stream, s.group).Result()
	if err != nil {
		return fmt.Errorf("list consumers: %w", err)
	}
	gone := max(10*s.t.claimAfter, time.Hour)
	for _, c := range consumers {
		if c.Name != s.consumer && c.Pending == 0 && c.Idle > gone {
			if err := s.client.XGroupDelConsumer(ctx, s.t.stream, s.group, c.Name).Err(); err != nil {
				return fmt.Errorf("remove consumer: %w", err)
			}
		}
	}
	return nil
}

// take accepts entries at once and acknowledges those stored; the others
// stay pending, to be claimed again after claimAfter.
func (s *redisSession) take(ctx context.Context, msgs []redis.XMessage, claimed bool) error {
	if len(msgs) == 0 {
		return nil
	}
	ok := make([]bool, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		if m.Values == nil { // deleted from the stream while pending
			ok[i] = true
			continue
		}
		wg.Go(func() {
			err := s.host.Accept(ctx, s.delivery(m, claimed))
			if err != nil && ctx.Err() == nil {
				s.host.Logger().Warn("redis: entry not stored, left pending", "stream", s.t.stream, "id", m.ID, "err", err)
			}
			ok[i] = err == nil
		})
	}
	wg.Wait()
	var ids []string
	for i, m := range msgs {
		if ok[i] {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.client.XAck(ctx, s.t.stream, s.group, ids...).Err(); err != nil {
		// Stored: read again, they start nothing.
		return fmt.Errorf("ack: %w", err)
	}
	return nil
}

// delivery makes a stream entry a delivery: its body field the body, its
// other fields the headers; without a body field, the entry as a JSON
// object.
func (s *redisSession) delivery(m redis.XMessage, claimed bool) Delivery {
	d := Delivery{
		Meta: map[string]any{
			"stream":   s.t.stream,
			"id":       m.ID,
			"group":    s.group,
			"consumer": s.consumer,
			"claimed":  claimed,
		},
		IdempotencyKey: "redis:" + s.t.stream + ":" + m.ID,
	}
	if ms, err := strconv.ParseInt(strings.SplitN(m.ID, "-", 2)[0], 10, 64); err == nil {
		d.Meta["added_at"] = time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
	}
	if body, ok := m.Values[s.t.bodyField]; ok {
		d.Body = []byte(fmt.Sprint(body))
		if len(m.Values) > 1 {
			d.Headers = make(map[string]string, len(m.Values)-1)
			for k, v := range m.Values {
				if k != s.t.bodyField {
					d.Headers[strings.ToLower(k)] = fmt.Sprint(v)
				}
			}
		}
		return d
	}
	d.Body, _ = json.Marshal(m.Values) // strings only: cannot fail
	d.Headers = map[string]string{"content-type": "application/json"}
	return d
}
