// Package connectors holds Hookflow's clients of message brokers (NATS
// JetStream, RabbitMQ, MQTT, Redis) and SQL databases (PostgreSQL,
// MySQL/MariaDB), one file each: the publish and sql steps of package kinds
// run through them.
//
// Every connection is made through the Dialer it is given (the egress
// guard of the engine's sender) and kept in a pool per URL, so that a busy
// workflow does not connect once per message; a connection unused for
// IdleTimeout is closed. A URL carries credentials: nothing here logs it,
// and its errors never quote it.
//
// An error a later attempt cannot get over (a refused setting, a database
// error, a broker refusing the message for good) is marked Permanent;
// any other error (the network, a timeout, a broker's nack) may pass and
// is worth trying again.
package connectors
