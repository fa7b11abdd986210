// Command worker is a worker of grpc's distributed benchmark engine: it
// serves grpc.testing.WorkerService (RunServer, RunClient, CoreCount,
// QuitWorker) on -driver_port, so that grpc's qps_json_driver, or
// grpc/test-infra's LoadTest controller, can run the suite's variants on
// many hosts and merge their histograms:
//
//	worker -driver_port 10000 &                 # on each host
//	QPS_WORKERS=srv:10000,cli:10000 qps_json_driver --scenarios_file=bench/scenarios/grpc-GetTransaction-1KiB.json
//
// As a server it serves grpc's BenchmarkService (ASYNC_SERVER,
// SYNC_SERVER), so that grpc's stock scenarios run unchanged, or one of
// our variants (OTHER_SERVER). As a client it drives BenchmarkService
// (SYNC_CLIENT, ASYNC_CLIENT) or one of our variants (OTHER_CLIENT) on the
// load engine of bench/load. Run it with -help for the syntax. It prints
// "ready driver=ADDR" once listening and stops on SIGINT, SIGTERM or
// QuitWorker.
//
// The contract is grpc-go's generated google.golang.org/grpc/interop/grpc_testing,
// pinned by go.mod. Latencies go back as grpc's HistogramData, with the
// bucket count the driver requires (int(ln(max_possible)/ln(1+resolution))+1),
// so that it merges the histograms of many client workers exactly; server
// stats carry rusage times and /proc/stat's total and idle CPU ticks.
//
// grpc ships no binary of the driver. bench/qps/build-driver.sh builds it
// from Debian's grpc source package against Debian's libgrpc++ of the same
// version (as root, with apt-get); make qps QPS_DRIVER=bin/qps_json_driver
// then runs it against this command, and cmd/report -qps-results turns
// the driver's result files (--scenario_result_file) into REPORT.md rows.
package main

import "restvsgrpc/internal/cli"

func main() { cli.Main("worker", run) }
