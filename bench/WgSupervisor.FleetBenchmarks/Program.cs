using WgSupervisor.FleetBenchmarks;
using WgSupervisor.FleetBenchmarks.Support;
using WgSupervisor.Testing;

// Benchmarks for the fleet (issue 4). They print figures and assert nothing.
//   dotnet run -c Release --project bench/WgSupervisor.FleetBenchmarks -- storm|scale|journal|api-list [--option value ...]
const string Usage = """
    usage: wgsupervisor-fleet-bench storm|scale|journal|api-list [options]
      storm    100 simulated tunnels broken at once; concurrency of repairs and time to repair them all
               --tunnels 100 --permits 4 --repair-seconds 1 --stale-after 121 --break-after 118 --verify-timeout 3 --poll 0.5
               --journal sqlite|postgres [--connection-string S] --timeout-minutes 10 [--keep-log FILE]
      scale    1,000 simulated tunnels for 5 minutes; the supervisor's CPU and RSS from /proc
               --tunnels 1000 --minutes 5 --poll 5 --break-every 10 --warmup 60 --sample 5 [--keep-log FILE]
               (storm and scale: --host-env NAME=VALUE,... sets environment variables of the supervisor, for experiments)
      journal  events/s through TunnelHistory on SQLite and PostgreSQL
               --backends sqlite,postgres --histories 1,10,100 --events 200 --repeat 3 --modes burst,one-by-one --snapshot-every 100 [--postgres URL]
      api-list GET /api/tunnels at 1,000 simulated tunnels, 4 clients: p50/p99 and bytes per answer, before (built per request,
               uncompressed) and after (cached, compressed, ETag/304, filtered pages), in one run
               --tunnels 1000 --clients 4 --seconds 10 --poll 5 [--keep-log FILE]
    The host is src/WgSupervisor.Host/bin/<this configuration>/net10.0/wgsupervisor.dll (or WGSUPERVISOR_BENCH_HOST).
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

// Ctrl-C ends the program: first kill (by PID) every supervisor it started and remove their directories.
Console.CancelKeyPress += (_, _) => SupervisorProcess.KillAllStartedHere();
try
{
    var options = new Options(args.Skip(1));
    Console.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
    return args[0] switch
    {
        "storm" => await StormBenchmark.RunAsync(options),
        "scale" => await ScaleBenchmark.RunAsync(options),
        "journal" => await JournalBenchmark.RunAsync(options),
        "api-list" => await ApiListBenchmark.RunAsync(options),
        _ => throw new ArgumentException($"unknown benchmark '{args[0]}'"),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
{
    // The run's processes and files are already gone (each benchmark disposes what it started).
    Console.Error.WriteLine($"benchmark failed: {e.Message}");
    return 1;
}
