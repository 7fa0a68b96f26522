#!/usr/bin/env bats
# ipctool bench: output formats, percentiles, every mechanism, endpoints,
# usage errors. Short runs (-n small); never an assertion on a timing.

load helpers

ALL_MECHS="pipe fifo unix unix-dgram unix-seqpacket tcp udp mq sysvmq shm shm-spin eventfd signal sem sysvsem floor"

@test "bench --help shows the options" {
	run ipctool bench --help
	assert_success
	assert_output --partial "--latency"
	assert_output --partial "--pin"
	assert_output --partial "--markdown"
}

@test "bench --list names every mechanism" {
	run ipctool bench --list
	assert_success
	for m in $ALL_MECHS; do
		assert_line --regexp "^$m "
	done
}

@test "bench: an unknown mechanism is a usage error" {
	run ipctool bench pipe nosuch
	assert_failure 2
	assert_output --partial "'nosuch' is not a mechanism"
	assert_output --partial "usage: ipctool bench"
}

@test "bench: bad option values are usage errors" {
	run ipctool bench pipe -s 64,zz
	assert_failure 2
	assert_output --partial "'zz'"
	run ipctool bench pipe -n 10 -d 1s
	assert_failure 2
	assert_output --partial "exclude each other"
	run ipctool bench pipe --pin 0
	assert_failure 2
	assert_output --partial "'0' is not two CPUs"
	run ipctool bench pipe -J --csv
	assert_failure 2
	run ipctool bench bogus:thing
	assert_failure 2
}

@test "bench: every mechanism appears in a short run, percentiles ordered" {
	run --separate-stderr ipctool bench -n 20 --warmup 5 -s 64 -J
	assert_success
	echo "$output" >"$TEST_DIR/out.json"
	for m in $ALL_MECHS; do
		jq -e --arg m "$m" '[.results[] | select(.mechanism == $m)] | length >= 1' \
			"$TEST_DIR/out.json"
		# Measured, or a note that says why not.
		jq -e --arg m "$m" '.results[] | select(.mechanism == $m)
			| (.round_trip != null) or (.note != null)' "$TEST_DIR/out.json"
	done
	jq -e '[.results[] | select(.round_trip != null) | .round_trip
		| .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .p99_9
		  and .p99_9 <= .max and .samples == 20 and .unit == "ns"] | all' "$TEST_DIR/out.json"
	# Latency measured for every mechanism of this build.
	jq -e '[.results[] | select(.round_trip != null)] | length == 16' "$TEST_DIR/out.json"
}

@test "bench -J: one object per mechanism and size, with units" {
	run --separate-stderr ipctool bench pipe unix sem -n 30 --warmup 5 -s 64,4K -J
	assert_success
	echo "$output" | jq -e '.results | length == 5'
	echo "$output" | jq -e '.clock == "CLOCK_MONOTONIC" and .pinned == false'
	echo "$output" | jq -e '[.results[] | select(.mechanism == "pipe") | .size] == [64, 4096]'
	echo "$output" | jq -e '.results[] | select(.mechanism == "pipe" and .size == 4096)
		| .throughput.messages == 30 and .throughput.bytes == 122880
		  and .throughput.bytes_per_second > 0 and .size_unit == "bytes"'
	# A notification carries no data: latency only, size 0.
	echo "$output" | jq -e '.results[] | select(.mechanism == "sem")
		| .size == 0 and .throughput == null and .round_trip.samples == 30'
	# The sweep names the crossover when shm was measured (not here).
	echo "$output" | jq -e '.crossover == []'
}

@test "bench -n counts round trips and messages" {
	run --separate-stderr ipctool bench pipe --latency -n 37 --warmup 0 -J
	assert_success
	echo "$output" | jq -e '.results[0].round_trip.samples == 37 and .results[0].throughput == null'
	run --separate-stderr ipctool bench mq --throughput -n 41 -s 100 -J
	assert_success
	echo "$output" | jq -e '.results[0].throughput.messages == 41 and .results[0].round_trip == null'
}

@test "bench -d runs for a duration" {
	run --separate-stderr ipctool bench pipe -d 20ms --warmup 10 -s 64 -J
	assert_success
	echo "$output" | jq -e '.results[0].round_trip.samples > 0 and .results[0].throughput.messages > 0'
}

@test "bench --csv: one header and a fixed column count" {
	run --separate-stderr ipctool bench pipe unix-seqpacket eventfd -n 20 --warmup 5 -s 64,1K --csv
	assert_success
	assert_line --index 0 --partial "mechanism,size,samples,min_ns,p50_ns"
	[ "${#lines[@]}" -eq 6 ]
	cols=$(head -1 <<<"$output" | awk -F, '{ print NF }')
	[ "$cols" -eq 17 ]
	awk -F, -v n="$cols" 'NF != n { print "bad row: " $0; exit 1 }' <<<"$output"
	assert_line --regexp '^pipe,1024,20,[0-9]+,'
	assert_line --regexp '^eventfd,0,20,.*,,,,,false,$'
}

@test "bench --csv: a row with a note keeps the column count" {
	run --separate-stderr ipctool bench udp -n 5 --warmup 1 -s 1M --csv
	assert_success
	assert_line --index 1 'udp,1048576,,,,,,,,,,,,,,false,1M n/a: larger than a UDP datagram (65507 bytes)'
}

@test "bench --markdown: a table of rows with the header's cells" {
	run --separate-stderr ipctool bench pipe sysvsem -n 20 --warmup 5 -s 64 --markdown
	assert_success
	assert_line --index 0 --partial "| Mechanism | Size | Min [µs] | p50 [µs]"
	assert_line --index 1 --regexp '^\|:---\|---:\|'
	header=$(head -1 <<<"$output" | tr -cd '|' | wc -c)
	rows=$(grep -c '^| `' <<<"$output")
	[ "$rows" -eq 2 ]
	grep '^|' <<<"$output" | while IFS= read -r line; do
		[ "$(tr -cd '|' <<<"$line" | wc -c)" -eq "$header" ]
	done
	assert_output --partial "CPUs not pinned"
}

@test "bench: the table names the units and the pinning" {
	run --separate-stderr ipctool bench pipe -n 20 --warmup 5 -s 64 --pin 0,0
	assert_success
	assert_line --index 0 --partial "Round-trip times in microseconds"
	assert_line --regexp '^MECHANISM +SIZE +MIN +P50 +P90 +P99 +P99.9 +MAX +MEAN +STDDEV +MSG/S +BYTES/S$'
	assert_line --regexp '^pipe +64 '
	assert_output --partial "CPUs pinned: parent on CPU 0, child on CPU 0"
}

@test "bench --pin is stated in JSON" {
	run --separate-stderr ipctool bench eventfd -n 10 --warmup 1 --pin 0,0 -J
	assert_success
	echo "$output" | jq -e '.pinned == true and .cpus == [0, 0]'
}

@test "bench --pin: a CPU the processes cannot use fails with its number, no crash" {
	# 1023 is the highest CPU --pin accepts: absent on any machine this runs on.
	run --separate-stderr ipctool bench pipe -n 10 --warmup 1 -s 64 --pin 0,1023
	[ "$status" -eq 1 ]
	[ "$stderr" = "ipctool bench: cannot pin to CPU 1023: Invalid argument" ]
	assert_output ""
	run --separate-stderr ipctool bench pipe -n 10 --warmup 1 -s 64 --pin 1023,0 -J
	[ "$status" -eq 1 ]
	[ "$stderr" = "ipctool bench: cannot pin to CPU 1023: Invalid argument" ]
}

@test "bench --pin: a malformed list is a usage error" {
	for pin in 0,1,2 a,b 0, ,1 -1,0 0,1x 0,1024 "0,$(printf '0%.0s' {1..70})1"; do
		run ipctool bench pipe -n 10 --pin "$pin"
		assert_failure 2
		assert_output --partial "ipctool bench: --pin: '"
		assert_output --partial "usage: ipctool bench"
	done
}

@test "bench --chart draws bars for both measures" {
	LC_ALL=C run --separate-stderr "$IPCTOOL" bench pipe unix sem -n 20 --warmup 5 -s 64 --chart
	assert_success
	assert_line --index 0 --partial "p50 round trip"
	assert_line --regexp '^pipe 64 +#+ [0-9.]+ us$'
	assert_line --regexp '^sem +#+ [0-9.]+ us$'
	assert_output --partial "throughput, one way"
	assert_line --regexp '^unix 64 +#* [0-9.]+ [KMG]?i?B/s$'
}

@test "bench: a size sweep names the crossover of shm" {
	run --separate-stderr ipctool bench shm pipe -n 20 --warmup 5 -s 64,4K -J
	assert_success
	echo "$output" | jq -e '.crossover | length == 1 and .[0].mechanism == "pipe"'
	echo "$output" | jq -e '.crossover[0] | has("throughput_size") and has("latency_size")'
	run --separate-stderr ipctool bench shm pipe -n 20 --warmup 5 -s 64,4K
	assert_success
	assert_line --regexp '^crossover: shm beats pipe '
}

@test "bench: a size a mechanism cannot carry is a note, not a failure" {
	run --separate-stderr ipctool bench udp -n 10 --warmup 1 -s 64K -J
	assert_success
	echo "$output" | jq -e '.results[0].note | test("n/a: larger than a UDP datagram")'
}

@test "bench ENDPOINT: a POSIX queue, with ipctool's own send and recv" {
	[ -d /dev/mqueue ] || skip "no /dev/mqueue"
	q=/$(uniq_name q)
	# Other users of the machine may have used up the queue bytes (ulimit -q).
	ipctool mq create "$q" || skip "cannot create a POSIX queue here"
	run --separate-stderr ipctool bench "mq:$q" -n 50 --warmup 5 -s 64 -J
	ipctool mq rm "$q"
	assert_success
	echo "$output" | jq -e --arg e "mq:$q" '.results[0] | .mechanism == $e and .endpoint == true
		and .throughput.messages == 50 and .throughput.bytes == 3200 and .round_trip == null'
}

@test "bench ENDPOINT: a System V queue" {
	key=$(printf '0x%08x' $(( (0x5be00000 + ($$ % 65536) * 16 + BATS_TEST_NUMBER) )))
	ipctool mq create "key:$key" || skip "cannot create a System V queue here"
	run --separate-stderr ipctool bench "mq:key:$key" -n 40 --warmup 5 -s 100 -J
	ipctool mq rm "key:$key"
	assert_success
	echo "$output" | jq -e '.results[0].throughput.messages == 40 and .results[0].throughput.bytes == 4000'
}

@test "bench ENDPOINT: a shared-memory ring" {
	s=/$(uniq_name ring)
	ipctool shm create "$s" --capacity 1M
	run --separate-stderr ipctool bench "shm:$s" -n 40 --warmup 5 -s 100 -J
	ipctool shm rm "$s"
	assert_success
	echo "$output" | jq -e '.results[0].throughput.messages == 40'
}

@test "bench ENDPOINT: a UNIX stream socket and a FIFO" {
	sock=$TEST_DIR/s
	run --separate-stderr ipctool bench "unix:$sock" -n 50 --warmup 5 -s 1K -J
	assert_success
	echo "$output" | jq -e '.results[0].throughput.messages == 50 and .results[0].throughput.bytes == 51200'
	assert_not_exists "$sock"
	mkfifo "$TEST_DIR/f"
	run --separate-stderr ipctool bench "fifo:$TEST_DIR/f" -n 50 --warmup 5 -s 64 -J
	assert_success
	echo "$output" | jq -e '.results[0].throughput.messages == 50'
}

@test "bench ENDPOINT: a missing queue fails with its name" {
	[ -d /dev/mqueue ] || skip "no /dev/mqueue"
	run ipctool bench "mq:/$(uniq_name none)" -n 5 -s 64
	assert_failure 1
	assert_line --partial "ipctool bench: 'mq:/$(uniq_name none)' (throughput, 64 bytes): No such file or directory"
}

@test "bench leaves no objects behind" {
	before=$(ls /dev/mqueue 2>/dev/null | grep -c ipctool-bench || true)
	run --separate-stderr ipctool bench mq sem fifo sysvmq sysvsem -n 5 --warmup 1 -s 64
	assert_success
	after=$(ls /dev/mqueue 2>/dev/null | grep -c ipctool-bench || true)
	[ "$before" -eq "$after" ]
	[ -z "$(ls /dev/shm | grep "sem.ipctool-bench-$$" || true)" ]
}
