/* proto: the names people use for IP protocol numbers, in one table. C code asks
 * proto_name; SQL gets the same table as a CASE expression (PROTO_SQL), so the report,
 * the dashboard and the database's finding keys cannot name a protocol differently.
 * Pure. */
#ifndef OCA_PROTO_H
#define OCA_PROTO_H

/* X(number, "name") for every protocol with a name; the rest are shown as numbers. */
#define PROTO_TABLE(X) \
	X(1, "icmp") X(6, "tcp") X(17, "udp") X(33, "dccp") X(58, "icmpv6") \
	X(132, "sctp") X(136, "udplite")

/* An SQL expression naming the protocol number in SQL expression x. */
#define PROTO_SQL_WHEN_(n, name) " WHEN " #n " THEN '" name "'"
#define PROTO_SQL(x) "CASE " x PROTO_TABLE(PROTO_SQL_WHEN_) " ELSE CAST(" x " AS TEXT) END"

/* Bytes a buffer for proto_name needs. */
#define PROTO_NAMELEN 8

/* The name of protocol proto (0..255), or its number as text written into buf
 * (PROTO_NAMELEN bytes). Returns a static string or buf. */
const char *proto_name(int proto, char *buf);

/* The protocol number a name (any case) stands for, or -1 if it is none of the table's. */
int proto_number(const char *name);

#endif
