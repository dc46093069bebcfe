-- oc-audit schema version 3, written by the collector of commit ee10e5e
-- (tests/data/db/make-v3.sh); loaded by tests/lab/upgrade.sh.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT
) WITHOUT ROWID;
INSERT INTO meta VALUES('watch_start_us','1796315295172282');
CREATE TABLE runs (
	id         INTEGER PRIMARY KEY,
	started_us INTEGER NOT NULL,
	stopped_us INTEGER,
	version    TEXT NOT NULL,
	config     TEXT
);
INSERT INTO runs VALUES(1,1796315294911183,NULL,'0.1.0','nflog_group=7');
INSERT INTO runs VALUES(2,1796315298571163,1796315299949265,'0.1.0','nflog_group=7');
CREATE TABLE connections (
	id         INTEGER PRIMARY KEY,
	ts_us      INTEGER NOT NULL,
	family     INTEGER NOT NULL,          -- 4 or 6
	proto      INTEGER NOT NULL,          -- IP protocol number
	src        TEXT NOT NULL,
	sport      INTEGER,
	dst        TEXT NOT NULL,
	dport      INTEGER,
	icmp_type  INTEGER,
	icmp_code  INTEGER,
	iif        TEXT,
	oif        TEXT,
	prefix     TEXT,
	pkt_len    INTEGER,
	attr       INTEGER NOT NULL DEFAULT 0, -- attribution: 0 none, 1 valid answer, 2 stale answer
	domain     TEXT,                       -- the name the VM asked for (first candidate)
	domains    TEXT,                       -- every candidate name, JSON array
	query_id   INTEGER,                    -- dns_queries row whose answer attributed it
	dest_id    INTEGER NOT NULL            -- destinations row it was counted in
);
INSERT INTO connections VALUES(1,1796315295571172,4,17,'192.168.83.2',1024,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(2,1796315295571212,4,17,'192.168.83.2',1025,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(3,1796315295571219,4,17,'192.168.83.2',1026,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(4,1796315295571224,4,17,'192.168.83.2',1027,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(5,1796315295571229,4,17,'192.168.83.2',1028,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(6,1796315295571234,4,17,'192.168.83.2',1029,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(7,1796315295571239,4,17,'192.168.83.2',1030,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(8,1796315295571242,4,17,'192.168.83.2',1031,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(9,1796315295571245,4,17,'192.168.83.2',1032,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(10,1796315295571249,4,17,'192.168.83.2',1033,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(11,1796315295571252,4,17,'192.168.83.2',1034,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(12,1796315295571257,4,17,'192.168.83.2',1035,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(13,1796315295571261,4,17,'192.168.83.2',1036,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(14,1796315295571264,4,17,'192.168.83.2',1037,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(15,1796315295571267,4,17,'192.168.83.2',1038,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(16,1796315295571270,4,17,'192.168.83.2',1039,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(17,1796315295571274,4,17,'192.168.83.2',1040,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(18,1796315295571277,4,17,'192.168.83.2',1041,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(19,1796315295571281,4,17,'192.168.83.2',1042,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(20,1796315295571284,4,17,'192.168.83.2',1043,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(21,1796315295571287,4,17,'192.168.83.2',1044,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(22,1796315295571290,4,17,'192.168.83.2',1045,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(23,1796315295571294,4,17,'192.168.83.2',1046,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(24,1796315295571297,4,17,'192.168.83.2',1047,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(25,1796315295571300,4,17,'192.168.83.2',1048,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(26,1796315295571303,4,17,'192.168.83.2',1049,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(27,1796315295571306,4,17,'192.168.83.2',1050,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(28,1796315295571310,4,17,'192.168.83.2',1051,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(29,1796315295571313,4,17,'192.168.83.2',1052,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(30,1796315295571316,4,17,'192.168.83.2',1053,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(31,1796315295571319,4,17,'192.168.83.2',1054,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(32,1796315295571322,4,17,'192.168.83.2',1055,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(33,1796315295571367,4,17,'192.168.83.2',1056,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(34,1796315295571370,4,17,'192.168.83.2',1057,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(35,1796315295571373,4,17,'192.168.83.2',1058,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(36,1796315295571398,4,17,'192.168.83.2',1059,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(37,1796315295571402,4,17,'192.168.83.2',1060,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(38,1796315295571405,4,17,'192.168.83.2',1061,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(39,1796315295571408,4,17,'192.168.83.2',1062,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(40,1796315295571411,4,17,'192.168.83.2',1063,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(41,1796315295571414,4,17,'192.168.83.2',1064,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(42,1796315295571417,4,17,'192.168.83.2',1065,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(43,1796315295571420,4,17,'192.168.83.2',1066,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(44,1796315295571424,4,17,'192.168.83.2',1067,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(45,1796315295571427,4,17,'192.168.83.2',1068,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(46,1796315295571430,4,17,'192.168.83.2',1069,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(47,1796315295571433,4,17,'192.168.83.2',1070,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(48,1796315295571436,4,17,'192.168.83.2',1071,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(49,1796315295571439,4,17,'192.168.83.2',1072,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(50,1796315295571442,4,17,'192.168.83.2',1073,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(51,1796315295571445,4,17,'192.168.83.2',1074,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(52,1796315295571449,4,17,'192.168.83.2',1075,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(53,1796315295571453,4,17,'192.168.83.2',1076,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(54,1796315295571457,4,17,'192.168.83.2',1077,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(55,1796315295571464,4,17,'192.168.83.2',1078,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(56,1796315295571466,4,17,'192.168.83.2',1079,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(57,1796315295571469,4,17,'192.168.83.2',1080,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(58,1796315295571472,4,17,'192.168.83.2',1081,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(59,1796315295571476,4,17,'192.168.83.2',1082,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(60,1796315295571479,4,17,'192.168.83.2',1083,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(61,1796315295571526,4,17,'192.168.83.2',1084,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(62,1796315295571531,4,17,'192.168.83.2',1085,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(63,1796315295571534,4,17,'192.168.83.2',1086,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(64,1796315295571537,4,17,'192.168.83.2',1087,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(65,1796315295612185,4,17,'192.168.83.2',1088,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(66,1796315295612210,4,17,'192.168.83.2',1089,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(67,1796315295612214,4,17,'192.168.83.2',1090,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(68,1796315295612218,4,17,'192.168.83.2',1091,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(69,1796315295612221,4,17,'192.168.83.2',1092,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(70,1796315295612225,4,17,'192.168.83.2',1093,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(71,1796315295612229,4,17,'192.168.83.2',1094,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(72,1796315295612233,4,17,'192.168.83.2',1095,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(73,1796315295612236,4,17,'192.168.83.2',1096,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(74,1796315295612239,4,17,'192.168.83.2',1097,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(75,1796315295612243,4,17,'192.168.83.2',1098,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(76,1796315295612246,4,17,'192.168.83.2',1099,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(77,1796315295612252,4,17,'192.168.83.2',1100,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(78,1796315295612256,4,17,'192.168.83.2',1101,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(79,1796315295612259,4,17,'192.168.83.2',1102,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(80,1796315295612263,4,17,'192.168.83.2',1103,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(81,1796315295612267,4,17,'192.168.83.2',1104,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(82,1796315295612270,4,17,'192.168.83.2',1105,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(83,1796315295612273,4,17,'192.168.83.2',1106,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(84,1796315295612277,4,17,'192.168.83.2',1107,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(85,1796315295612280,4,17,'192.168.83.2',1108,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(86,1796315295612284,4,17,'192.168.83.2',1109,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(87,1796315295612287,4,17,'192.168.83.2',1110,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(88,1796315295612290,4,17,'192.168.83.2',1111,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(89,1796315295612293,4,17,'192.168.83.2',1112,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(90,1796315295612296,4,17,'192.168.83.2',1113,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(91,1796315295612299,4,17,'192.168.83.2',1114,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(92,1796315295612302,4,17,'192.168.83.2',1115,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(93,1796315295612306,4,17,'192.168.83.2',1116,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(94,1796315295612309,4,17,'192.168.83.2',1117,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(95,1796315295612312,4,17,'192.168.83.2',1118,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(96,1796315295612315,4,17,'192.168.83.2',1119,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(97,1796315295613192,4,17,'192.168.83.2',1120,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(98,1796315295613204,4,17,'192.168.83.2',1121,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(99,1796315295613207,4,17,'192.168.83.2',1122,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(100,1796315295613211,4,17,'192.168.83.2',1123,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(101,1796315295613214,4,17,'192.168.83.2',1124,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(102,1796315295613217,4,17,'192.168.83.2',1125,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(103,1796315295613220,4,17,'192.168.83.2',1126,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(104,1796315295613224,4,17,'192.168.83.2',1127,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(105,1796315295613227,4,17,'192.168.83.2',1128,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(106,1796315295613230,4,17,'192.168.83.2',1129,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(107,1796315295613233,4,17,'192.168.83.2',1130,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(108,1796315295613236,4,17,'192.168.83.2',1131,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(109,1796315295613291,4,17,'192.168.83.2',1132,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(110,1796315295613297,4,17,'192.168.83.2',1133,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(111,1796315295613300,4,17,'192.168.83.2',1134,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(112,1796315295613303,4,17,'192.168.83.2',1135,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(113,1796315295613306,4,17,'192.168.83.2',1136,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(114,1796315295613309,4,17,'192.168.83.2',1137,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(115,1796315295613312,4,17,'192.168.83.2',1138,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(116,1796315295613315,4,17,'192.168.83.2',1139,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(117,1796315295613318,4,17,'192.168.83.2',1140,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(118,1796315295613321,4,17,'192.168.83.2',1141,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(119,1796315295613324,4,17,'192.168.83.2',1142,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(120,1796315295613327,4,17,'192.168.83.2',1143,'198.51.100.2',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,1);
INSERT INTO connections VALUES(121,1796315295671700,4,17,'192.168.83.2',1024,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(122,1796315295671721,4,17,'192.168.83.2',1025,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(123,1796315295671725,4,17,'192.168.83.2',1026,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(124,1796315295671728,4,17,'192.168.83.2',1027,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(125,1796315295671734,4,17,'192.168.83.2',1028,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(126,1796315295671738,4,17,'192.168.83.2',1029,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(127,1796315295671741,4,17,'192.168.83.2',1030,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(128,1796315295671744,4,17,'192.168.83.2',1031,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(129,1796315295671746,4,17,'192.168.83.2',1032,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(130,1796315295671750,4,17,'192.168.83.2',1033,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(131,1796315295671753,4,17,'192.168.83.2',1034,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(132,1796315295671756,4,17,'192.168.83.2',1035,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(133,1796315295671759,4,17,'192.168.83.2',1036,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(134,1796315295671762,4,17,'192.168.83.2',1037,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(135,1796315295671765,4,17,'192.168.83.2',1038,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(136,1796315295671768,4,17,'192.168.83.2',1039,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(137,1796315295671771,4,17,'192.168.83.2',1040,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(138,1796315295671777,4,17,'192.168.83.2',1041,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(139,1796315295671780,4,17,'192.168.83.2',1042,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(140,1796315295671782,4,17,'192.168.83.2',1043,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(141,1796315295671785,4,17,'192.168.83.2',1044,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(142,1796315295671832,4,17,'192.168.83.2',1045,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(143,1796315295671836,4,17,'192.168.83.2',1046,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(144,1796315295671839,4,17,'192.168.83.2',1047,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(145,1796315295671842,4,17,'192.168.83.2',1048,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(146,1796315295671845,4,17,'192.168.83.2',1049,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(147,1796315295671848,4,17,'192.168.83.2',1050,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(148,1796315295671851,4,17,'192.168.83.2',1051,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(149,1796315295671855,4,17,'192.168.83.2',1052,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(150,1796315295671857,4,17,'192.168.83.2',1053,'198.51.100.10',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'www.example.com','["www.example.com"]',2,2);
INSERT INTO connections VALUES(151,1796315295754907,4,17,'192.168.83.2',1024,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(152,1796315295754935,4,17,'192.168.83.2',1025,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(153,1796315295754938,4,17,'192.168.83.2',1026,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(154,1796315295754941,4,17,'192.168.83.2',1027,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(155,1796315295754944,4,17,'192.168.83.2',1028,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(156,1796315295754948,4,17,'192.168.83.2',1029,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(157,1796315295754951,4,17,'192.168.83.2',1030,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(158,1796315295754954,4,17,'192.168.83.2',1031,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(159,1796315295754957,4,17,'192.168.83.2',1032,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(160,1796315295754961,4,17,'192.168.83.2',1033,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(161,1796315295754964,4,17,'192.168.83.2',1034,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(162,1796315295754967,4,17,'192.168.83.2',1035,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(163,1796315295754971,4,17,'192.168.83.2',1036,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(164,1796315295754975,4,17,'192.168.83.2',1037,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(165,1796315295754978,4,17,'192.168.83.2',1038,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(166,1796315295754981,4,17,'192.168.83.2',1039,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(167,1796315295754984,4,17,'192.168.83.2',1040,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(168,1796315295754988,4,17,'192.168.83.2',1041,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(169,1796315295754991,4,17,'192.168.83.2',1042,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(170,1796315295754995,4,17,'192.168.83.2',1043,'198.51.100.9',443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,3);
INSERT INTO connections VALUES(171,1796315295811261,4,17,'192.168.83.2',1024,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(172,1796315295811278,4,17,'192.168.83.2',1025,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(173,1796315295811282,4,17,'192.168.83.2',1026,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(174,1796315295811285,4,17,'192.168.83.2',1027,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(175,1796315295811289,4,17,'192.168.83.2',1028,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(176,1796315295811292,4,17,'192.168.83.2',1029,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(177,1796315295811295,4,17,'192.168.83.2',1030,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(178,1796315295811311,4,17,'192.168.83.2',1031,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(179,1796315295811315,4,17,'192.168.83.2',1032,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(180,1796315295811319,4,17,'192.168.83.2',1033,'198.51.100.2',80,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,1,'api.telegram.org','["api.telegram.org"]',1,4);
INSERT INTO connections VALUES(181,1796315298826714,4,17,'192.168.83.2',1524,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(182,1796315298826750,4,17,'192.168.83.2',1525,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(183,1796315298826756,4,17,'192.168.83.2',1526,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(184,1796315298826761,4,17,'192.168.83.2',1527,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(185,1796315298826765,4,17,'192.168.83.2',1528,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(186,1796315298826768,4,17,'192.168.83.2',1529,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(187,1796315298826772,4,17,'192.168.83.2',1530,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(188,1796315298826777,4,17,'192.168.83.2',1531,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(189,1796315298826780,4,17,'192.168.83.2',1532,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(190,1796315298826784,4,17,'192.168.83.2',1533,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(191,1796315298826787,4,17,'192.168.83.2',1534,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(192,1796315298826790,4,17,'192.168.83.2',1535,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(193,1796315298826793,4,17,'192.168.83.2',1536,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(194,1796315298826797,4,17,'192.168.83.2',1537,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
INSERT INTO connections VALUES(195,1796315298826800,4,17,'192.168.83.2',1538,'198.51.100.9',8443,NULL,NULL,'br-openclaw','wan0','openclaw-vm: ',28,0,NULL,NULL,NULL,5);
CREATE TABLE destinations (
	id          INTEGER PRIMARY KEY,
	domain      TEXT NOT NULL,
	ip          TEXT NOT NULL,
	port        INTEGER NOT NULL,          -- 0 when the protocol has no ports
	proto       INTEGER NOT NULL,
	expected    INTEGER NOT NULL DEFAULT 0,
	connections INTEGER NOT NULL DEFAULT 0,
	first_us    INTEGER NOT NULL,
	last_us     INTEGER NOT NULL,
	UNIQUE (domain, ip, port, proto)
);
INSERT INTO destinations VALUES(1,'api.telegram.org','198.51.100.2',443,17,0,120,1796315295571172,1796315295613327);
INSERT INTO destinations VALUES(2,'www.example.com','198.51.100.10',443,17,0,30,1796315295671700,1796315295671857);
INSERT INTO destinations VALUES(3,'','198.51.100.9',443,17,0,20,1796315295754907,1796315295754995);
INSERT INTO destinations VALUES(4,'api.telegram.org','198.51.100.2',80,17,0,10,1796315295811261,1796315295811319);
INSERT INTO destinations VALUES(5,'','198.51.100.9',8443,17,0,15,1796315298826714,1796315298826800);
CREATE TABLE dest_hourly (
	hour        INTEGER NOT NULL,
	dest_id     INTEGER NOT NULL,
	connections INTEGER NOT NULL,
	first_us    INTEGER NOT NULL,
	last_us     INTEGER NOT NULL,
	PRIMARY KEY (hour, dest_id)
) WITHOUT ROWID;
INSERT INTO dest_hourly VALUES(498976,1,120,1796315295571172,1796315295613327);
INSERT INTO dest_hourly VALUES(498976,2,30,1796315295671700,1796315295671857);
INSERT INTO dest_hourly VALUES(498976,3,20,1796315295754907,1796315295754995);
INSERT INTO dest_hourly VALUES(498976,4,10,1796315295811261,1796315295811319);
INSERT INTO dest_hourly VALUES(498976,5,15,1796315298826714,1796315298826800);
CREATE TABLE hourly (
	hour        INTEGER PRIMARY KEY,
	connections INTEGER NOT NULL DEFAULT 0,
	dns_queries INTEGER NOT NULL DEFAULT 0,
	findings    INTEGER NOT NULL DEFAULT 0,
	events_lost INTEGER NOT NULL DEFAULT 0
);
INSERT INTO hourly VALUES(498976,195,4,198,0);
CREATE TABLE dns_queries (
	id         INTEGER PRIMARY KEY,
	ts_us      INTEGER NOT NULL,
	client     TEXT NOT NULL,
	cport      INTEGER,
	qid        INTEGER,
	qname      TEXT NOT NULL,              -- presentation form, \DDD escapes, no final dot
	qname_wire BLOB NOT NULL,              -- the exact bytes asked
	qtype      INTEGER NOT NULL,
	qclass     INTEGER NOT NULL,
	rcode      INTEGER,                    -- NULL = no answer was sent
	latency_us INTEGER,
	transport  TEXT NOT NULL               -- 'udp' or 'tcp'
, name_id INTEGER);
INSERT INTO dns_queries VALUES(1,1796315295172282,'192.168.83.2',56814,46391,'api.telegram.org',X'036170690874656c656772616d036f726700',1,1,0,64061,'udp',1);
INSERT INTO dns_queries VALUES(2,1796315295396103,'192.168.83.2',43484,26115,'www.example.com',X'03777777076578616d706c6503636f6d00',1,1,0,767,'udp',2);
INSERT INTO dns_queries VALUES(3,1796315295495966,'192.168.83.2',42821,36667,'cdn1.example.net',X'0463646e31076578616d706c65036e657400',1,1,0,3975,'udp',3);
INSERT INTO dns_queries VALUES(4,1796315298740027,'192.168.83.2',54343,50856,'alias.example.com',X'05616c696173076578616d706c6503636f6d00',1,1,0,32005,'udp',4);
CREATE TABLE dns_answers (
	id       INTEGER PRIMARY KEY,
	query_id INTEGER NOT NULL,
	name     TEXT NOT NULL,
	rtype    INTEGER NOT NULL,
	ttl      INTEGER NOT NULL,
	data     TEXT NOT NULL
);
INSERT INTO dns_answers VALUES(1,1,'api.telegram.org',1,300,'198.51.100.2');
INSERT INTO dns_answers VALUES(2,2,'www.example.com',1,300,'198.51.100.10');
INSERT INTO dns_answers VALUES(3,3,'cdn1.example.net',1,300,'198.51.100.20');
INSERT INTO dns_answers VALUES(4,4,'alias.example.com',5,300,'alias2.example.com');
INSERT INTO dns_answers VALUES(5,4,'alias2.example.com',5,300,'www.example.com');
INSERT INTO dns_answers VALUES(6,4,'www.example.com',1,300,'198.51.100.10');
CREATE TABLE findings (
	id        INTEGER PRIMARY KEY,
	kind      TEXT NOT NULL,
	key       TEXT NOT NULL,
	domain    TEXT,
	ip        TEXT,
	port      INTEGER,
	proto     TEXT,
	count     INTEGER NOT NULL DEFAULT 1,
	first_us  INTEGER NOT NULL,
	last_us   INTEGER NOT NULL,
	watch_day INTEGER,
	detail    TEXT NOT NULL,
	example   TEXT,
	conn_id   INTEGER,
	query_id  INTEGER,
	acked_us  INTEGER,
	UNIQUE (kind, key)
);
INSERT INTO findings VALUES(1,'unexpected-domain','www.example.com','www.example.com',NULL,NULL,NULL,1,1796315295396103,1796315295396103,1,'the VM asked for a name outside the expected set','192.168.83.2 asked type 1 for www.example.com, rcode 0',NULL,2,NULL);
INSERT INTO findings VALUES(2,'unexpected-domain','cdn1.example.net','cdn1.example.net',NULL,NULL,NULL,1,1796315295495966,1796315295495966,1,'the VM asked for a name outside the expected set','192.168.83.2 asked type 1 for cdn1.example.net, rcode 0',NULL,3,NULL);
INSERT INTO findings VALUES(3,'unexpected-port','api.telegram.org 443/udp','api.telegram.org','198.51.100.2',443,'udp',120,1796315295571172,1796315295613327,1,'an expected name reached on a port or protocol outside expected_ports','192.168.83.2:1024 -> 198.51.100.2:443/udp',1,1,NULL);
INSERT INTO findings VALUES(4,'unexpected-destination','198.51.100.10:443/udp','www.example.com','198.51.100.10',443,'udp',30,1796315295671700,1796315295671857,1,'a connection to an address the VM got only from unexpected names','192.168.83.2:1024 -> 198.51.100.10:443/udp',121,2,NULL);
INSERT INTO findings VALUES(5,'direct-ip','198.51.100.9:443/udp',NULL,'198.51.100.9',443,'udp',20,1796315295754907,1796315295754995,1,'a connection to an address that no DNS answer gave the VM','192.168.83.2:1024 -> 198.51.100.9:443/udp',151,NULL,NULL);
INSERT INTO findings VALUES(6,'unexpected-port','api.telegram.org 80/udp','api.telegram.org','198.51.100.2',80,'udp',10,1796315295811261,1796315295811319,1,'an expected name reached on a port or protocol outside expected_ports','192.168.83.2:1024 -> 198.51.100.2:80/udp',171,1,NULL);
INSERT INTO findings VALUES(7,'unexpected-domain','alias.example.com','alias.example.com',NULL,NULL,NULL,1,1796315298740027,1796315298740027,1,'the VM asked for a name outside the expected set','192.168.83.2 asked type 1 for alias.example.com, rcode 0',NULL,4,NULL);
INSERT INTO findings VALUES(8,'direct-ip','198.51.100.9:8443/udp',NULL,'198.51.100.9',8443,'udp',15,1796315298826714,1796315298826800,1,'a connection to an address that no DNS answer gave the VM','192.168.83.2:1524 -> 198.51.100.9:8443/udp',181,NULL,NULL);
CREATE TABLE alert_outbox (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,            -- 'finding', 'loss', 'watch-end', 'test'
	finding_id   INTEGER,
	created_us   INTEGER NOT NULL,
	body         TEXT NOT NULL,            -- JSON of the alert's fields
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_us      INTEGER NOT NULL,
	delivered_us INTEGER,
	last_error   TEXT
);
INSERT INTO alert_outbox VALUES(1,'finding',1,1796315295396103,'{"kind":"unexpected-domain","domain":"www.example.com","ip":null,"port":null,"proto":null,"count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"the VM asked for a name outside the expected set"}',3,1796315301637779,NULL,'webhook: Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn''t connect to server');
INSERT INTO alert_outbox VALUES(2,'finding',2,1796315295495966,'{"kind":"unexpected-domain","domain":"cdn1.example.net","ip":null,"port":null,"proto":null,"count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"the VM asked for a name outside the expected set"}',0,1796315295495966,NULL,NULL);
INSERT INTO alert_outbox VALUES(3,'finding',3,1796315295571172,'{"kind":"unexpected-port","domain":"api.telegram.org","ip":"198.51.100.2","port":443,"proto":"udp","count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"an expected name reached on a port or protocol outside expected_ports"}',0,1796315295571172,NULL,NULL);
INSERT INTO alert_outbox VALUES(4,'finding',4,1796315295671700,'{"kind":"unexpected-destination","domain":"www.example.com","ip":"198.51.100.10","port":443,"proto":"udp","count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"a connection to an address the VM got only from unexpected names"}',0,1796315295671700,NULL,NULL);
INSERT INTO alert_outbox VALUES(5,'finding',5,1796315295754907,'{"kind":"direct-ip","domain":null,"ip":"198.51.100.9","port":443,"proto":"udp","count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"a connection to an address that no DNS answer gave the VM"}',0,1796315295754907,NULL,NULL);
INSERT INTO alert_outbox VALUES(6,'finding',6,1796315295811261,'{"kind":"unexpected-port","domain":"api.telegram.org","ip":"198.51.100.2","port":80,"proto":"udp","count":1,"first_seen":"2026-12-03T16:28:15Z","last_seen":"2026-12-03T16:28:15Z","watch_day":1,"detail":"an expected name reached on a port or protocol outside expected_ports"}',0,1796315295811261,NULL,NULL);
INSERT INTO alert_outbox VALUES(7,'finding',7,1796315298740027,'{"kind":"unexpected-domain","domain":"alias.example.com","ip":null,"port":null,"proto":null,"count":1,"first_seen":"2026-12-03T16:28:18Z","last_seen":"2026-12-03T16:28:18Z","watch_day":1,"detail":"the VM asked for a name outside the expected set"}',0,1796315298740027,NULL,NULL);
INSERT INTO alert_outbox VALUES(8,'finding',8,1796315298826714,'{"kind":"direct-ip","domain":null,"ip":"198.51.100.9","port":8443,"proto":"udp","count":1,"first_seen":"2026-12-03T16:28:18Z","last_seen":"2026-12-03T16:28:18Z","watch_day":1,"detail":"a connection to an address that no DNS answer gave the VM"}',0,1796315298826714,NULL,NULL);
CREATE TABLE losses (
	id     INTEGER PRIMARY KEY,
	ts_us  INTEGER NOT NULL,
	source TEXT NOT NULL,                  -- counter name: nflog_gap, queue_full, db_error...
	count  INTEGER NOT NULL
);
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters VALUES('alert_failed',3);
INSERT INTO counters VALUES('db_batches',8);
INSERT INTO counters VALUES('dns_queries',4);
INSERT INTO counters VALUES('events_stored',202);
INSERT INTO counters VALUES('nflog_received',195);
CREATE TABLE dns_names (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE,
	expected INTEGER NOT NULL DEFAULT 0,
	queries  INTEGER NOT NULL DEFAULT 0,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL
);
INSERT INTO dns_names VALUES(1,'api.telegram.org',1,1,1796315295172282,1796315295172282);
INSERT INTO dns_names VALUES(2,'www.example.com',0,1,1796315295396103,1796315295396103);
INSERT INTO dns_names VALUES(3,'cdn1.example.net',0,1,1796315295495966,1796315295495966);
INSERT INTO dns_names VALUES(4,'alias.example.com',0,1,1796315298740027,1796315298740027);
CREATE TABLE name_hourly (
	hour     INTEGER NOT NULL,
	name_id  INTEGER NOT NULL,
	queries  INTEGER NOT NULL,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL,
	PRIMARY KEY (hour, name_id)
) WITHOUT ROWID;
INSERT INTO name_hourly VALUES(498976,1,1,1796315295172282,1796315295172282);
INSERT INTO name_hourly VALUES(498976,2,1,1796315295396103,1796315295396103);
INSERT INTO name_hourly VALUES(498976,3,1,1796315295495966,1796315295495966);
INSERT INTO name_hourly VALUES(498976,4,1,1796315298740027,1796315298740027);
CREATE TABLE dns_ips (
	id       INTEGER PRIMARY KEY,
	ip       TEXT NOT NULL,
	name_id  INTEGER NOT NULL,
	answers  INTEGER NOT NULL DEFAULT 0,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL,
	UNIQUE (ip, name_id)
);
INSERT INTO dns_ips VALUES(1,'198.51.100.2',1,1,1796315295172282,1796315295172282);
INSERT INTO dns_ips VALUES(2,'198.51.100.10',2,1,1796315295396103,1796315295396103);
INSERT INTO dns_ips VALUES(3,'198.51.100.20',3,1,1796315295495966,1796315295495966);
INSERT INTO dns_ips VALUES(4,'198.51.100.10',4,1,1796315298740027,1796315298740027);
CREATE INDEX connections_ts ON connections(ts_us);
CREATE INDEX connections_dst ON connections(dst, ts_us);
CREATE INDEX connections_dest ON connections(dest_id, ts_us);
CREATE INDEX dns_queries_ts ON dns_queries(ts_us);
CREATE INDEX dns_answers_query ON dns_answers(query_id);
CREATE INDEX findings_last ON findings(last_us);
CREATE INDEX alert_outbox_pending ON alert_outbox(next_us) WHERE delivered_us IS NULL;
CREATE INDEX losses_ts ON losses(ts_us);
CREATE INDEX findings_kind ON findings(kind, last_us);
CREATE INDEX dns_queries_name ON dns_queries(name_id, ts_us);
COMMIT;
PRAGMA user_version = 3;   -- .dump omits it
