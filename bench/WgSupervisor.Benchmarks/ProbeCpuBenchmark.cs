using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using WgSupervisor.Benchmarks.Support;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Lab;
using WgSupervisor.Testing;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Sockets;

namespace WgSupervisor.Benchmarks;

/// <summary>
/// What it costs to probe N tunnels every 2 s. A lab of S sites (real wireguard-go tunnels), each site
/// answering on K addresses of its tunnel subnet, gives S×K distinct ICMP targets behind real tunnels. They are
/// probed with <see cref="SocketProber"/> (one raw socket per namespace, no process per probe), each target on
/// its own 2-second timer with a staggered phase (as independent tunnel actors would), for a fixed time; then
/// all targets at once per round (batched, for comparison); then the same targets with one
/// `ip netns exec NS ping -c1 -W1` process per probe (the obvious alternative), for fewer rounds.
/// CPU is this process's user+system time (plus its reaped children's, for ping) over wall time, from /proc.
/// </summary>
public static class ProbeCpuBenchmark
{
    public sealed record Options(int Sites = 20, int AddressesPerSite = 10, int Seconds = 60, int PingRounds = 5, double IntervalSeconds = 2);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var targets = options.Sites * options.AddressesPerSite;
        var interval = TimeSpan.FromSeconds(options.IntervalSeconds);
        Console.WriteLine($"probe-cpu: {targets} ICMP targets ({options.Sites} sites × {options.AddressesPerSite} addresses) behind real wireguard-go tunnels, " +
                          $"each probed every {interval.TotalSeconds:0.#} s, timeout 1 s; {Environment.ProcessorCount} cores");
        var setup = Stopwatch.StartNew();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: options.Sites, PersistentKeepaliveSeconds: 25));
        var runner = new ProcessRunner();
        var addresses = new List<string>();
        try
        {
            foreach (var site in lab.Sites)
            {
                // The gateway routes the site's whole /24 into its tunnel; the site answers on K addresses of it.
                await Checked(runner, lab.GatewayNamespace, "wg", "set", site.GatewayInterface, "peer", site.SitePublicKey, "allowed-ips", $"10.251.{site.Index}.0/24");
                for (var k = 0; k < options.AddressesPerSite; k++)
                {
                    var address = $"10.251.{site.Index}.{2 + k}";
                    if (k > 0) await Checked(runner, null, "ip", "-n", site.Namespace, "addr", "add", $"{address}/32", "dev", site.SiteInterface);
                    addresses.Add(address);
                }
            }
            Console.WriteLine($"lab {lab.RunId}: {lab.Sites.Count} sites up in {setup.Elapsed.TotalSeconds:0} s");

            var prober = new SocketProber();
            // Warm-up: every target must answer once (this also creates the namespace's raw socket).
            var warm = await Task.WhenAll(addresses.Select(a => prober.ProbeAsync(lab.GatewayNamespace, Settings(a, interval), cancellationToken)));
            var answering = warm.Count(r => r.Succeeded);
            Console.WriteLine($"warm-up: {answering}/{targets} targets answered");
            if (answering < targets)
            {
                // A second chance: the first packet of a tunnel waits for its handshake.
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                warm = await Task.WhenAll(addresses.Select(a => prober.ProbeAsync(lab.GatewayNamespace, Settings(a, interval), cancellationToken)));
                Console.WriteLine($"warm-up again: {warm.Count(r => r.Succeeded)}/{targets} targets answered");
            }

            // Idle baseline of this process (runtime, timers, the raw socket's receive loop).
            var idleWall = Stopwatch.StartNew();
            var idleStart = CpuClock.Self();
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            var idleCpu = CpuClock.Self() - idleStart;
            var idle = idleWall.Elapsed;

            var wireGuardPids = lab.Sites.SelectMany(s => new[] { s.GatewayInterface, s.SiteInterface })
                .Select(WireGuardLab.FindWireGuardGo).OfType<int>().ToList();
            var wgStart = wireGuardPids.Select(CpuClock.Of).Sum(s => s?.Self.TotalSeconds ?? 0);

            var socket = await RunSocketProbesAsync(prober, lab.GatewayNamespace, addresses, interval, TimeSpan.FromSeconds(options.Seconds), staggered: true, cancellationToken);
            var wgCpu = wireGuardPids.Select(CpuClock.Of).Sum(s => s?.Self.TotalSeconds ?? 0) - wgStart;
            var batched = await RunSocketProbesAsync(prober, lab.GatewayNamespace, addresses, interval, TimeSpan.FromSeconds(options.Seconds), staggered: false, cancellationToken);
            prober.Dispose(); // its raw socket would otherwise also receive (and pay for) the ping replies

            var ping = await RunPingProcessesAsync(runner, lab.GatewayNamespace, addresses, interval, options.PingRounds, cancellationToken);

            Console.WriteLine();
            Console.WriteLine($"idle process ({idle.TotalSeconds:0} s):                 CPU {CpuClock.PercentOfOneCore(idleCpu.Total, idle):0.00} % of one core");
            Console.WriteLine($"SocketProber, staggered timers ({socket.Wall.TotalSeconds:0} s, {socket.Sent} probes): CPU {CpuClock.PercentOfOneCore(socket.Cpu.Total, socket.Wall):0.00} % of one core " +
                              $"({CpuClock.PercentOfOneCore(socket.Cpu.Total - idleCpu.Total * (socket.Wall / idle), socket.Wall):0.00} % above idle), " +
                              $"{socket.Sent / socket.Wall.TotalSeconds:0.0} probes/s, {socket.Failed} failed, RTT p50 {socket.P50:0.00} ms p99 {socket.P99:0.00} ms");
            Console.WriteLine($"SocketProber, batched ({batched.Wall.TotalSeconds:0} s, {batched.Sent} probes): CPU {CpuClock.PercentOfOneCore(batched.Cpu.Total, batched.Wall):0.00} % of one core " +
                              $"— all targets sent together each round instead of on staggered timers; {batched.Failed} failed, RTT p50 {batched.P50:0.00} ms p99 {batched.P99:0.00} ms");
            Console.WriteLine($"ping processes ({ping.Rounds} rounds, {ping.Wall.TotalSeconds:0} s, {ping.Sent} probes): CPU {CpuClock.PercentOfOneCore(ping.Cpu.Total, ping.Wall):0.0} % of one core " +
                              $"(this process {CpuClock.PercentOfOneCore(ping.Cpu.Self, ping.Wall):0.0} %, ip+ping children {CpuClock.PercentOfOneCore(ping.Cpu.Children, ping.Wall):0.0} %), " +
                              $"{ping.Sent / ping.Wall.TotalSeconds:0.0} probes/s, {ping.Failed} failed, {ping.Overruns} of {ping.Rounds} rounds overran the {interval.TotalSeconds:0} s interval");
            Console.WriteLine($"(for scale: the {wireGuardPids.Count} wireguard-go processes of the lab used {CpuClock.PercentOfOneCore(TimeSpan.FromSeconds(wgCpu), socket.Wall):0.0} % of one core " +
                              "carrying the socket probes and their keepalives; that is the tunnels' cost, not the prober's)");
            var ratio = socket.Cpu.Total.TotalSeconds > 0 ? (ping.Cpu.Total / ping.Wall) / (socket.Cpu.Total / socket.Wall) : double.PositiveInfinity;
            Console.WriteLine($"ping processes cost {ratio:0}× the CPU of SocketProber for the same probe rate. " +
                              $"Goal {targets} tunnels every {interval.TotalSeconds:0} s < 5 % of one core: " +
                              $"{(CpuClock.PercentOfOneCore(socket.Cpu.Total, socket.Wall) < 5 ? "met" : "NOT met")}.");
            return 0;
        }
        finally
        {
            await lab.DisposeAsync();
            var left = lab.Leftovers();
            if (left.Count > 0) Console.Error.WriteLine($"LEFTOVERS of lab {lab.RunId}: {string.Join(", ", left)}");
        }
    }

    private static ProbeSettings Settings(string address, TimeSpan interval) =>
        new(ProbeKind.Icmp, address, null, interval, TimeSpan.FromSeconds(1), ProbeSettings.DefaultFailuresBeforeStale);

    private sealed record SocketRun(TimeSpan Wall, CpuSample Cpu, int Sent, int Failed, double P50, double P99);

    /// <param name="staggered">Each target on its own timer, phases spread over the interval (as tunnel actors probe today); or all targets at once per round.</param>
    private static async Task<SocketRun> RunSocketProbesAsync(SocketProber prober, string ns, IReadOnlyList<string> addresses, TimeSpan interval,
        TimeSpan duration, bool staggered, CancellationToken cancellationToken)
    {
        var roundTrips = new ConcurrentBag<double>();
        var sent = 0;
        var failed = 0;
        var wall = Stopwatch.StartNew();
        var cpuStart = CpuClock.Self();
        var rounds = (int)Math.Ceiling(duration / interval);
        if (!staggered)
        {
            using var timer = new PeriodicTimer(interval);
            for (var round = 0; round < rounds; round++)
            {
                var results = await Task.WhenAll(addresses.Select(a => prober.ProbeAsync(ns, Settings(a, interval), cancellationToken)));
                foreach (var result in results)
                {
                    sent++;
                    if (result.Succeeded) roundTrips.Add(result.RoundTrip.TotalMilliseconds);
                    else failed++;
                }
                if (round + 1 < rounds && !await timer.WaitForNextTickAsync(cancellationToken)) break;
            }
            var batchCpu = CpuClock.Self() - cpuStart;
            var batchWall = wall.Elapsed;
            var batchSorted = roundTrips.Order().ToArray();
            return new SocketRun(batchWall, batchCpu, sent, failed, Percentile(batchSorted, 0.50), Percentile(batchSorted, 0.99));
        }
        var loops = addresses.Select(async (address, i) =>
        {
            // Independent timers, phases spread over the interval, as tunnel actors have.
            await Task.Delay(interval * i / addresses.Count, cancellationToken);
            var settings = Settings(address, interval);
            using var timer = new PeriodicTimer(interval);
            for (var round = 0; round < rounds; round++)
            {
                var result = await prober.ProbeAsync(ns, settings, cancellationToken);
                Interlocked.Increment(ref sent);
                if (result.Succeeded) roundTrips.Add(result.RoundTrip.TotalMilliseconds);
                else Interlocked.Increment(ref failed);
                if (round + 1 < rounds && !await timer.WaitForNextTickAsync(cancellationToken)) break;
            }
        }).ToList();
        await Task.WhenAll(loops);
        var cpu = CpuClock.Self() - cpuStart;
        var elapsed = wall.Elapsed;
        var sorted = roundTrips.Order().ToArray();
        return new SocketRun(elapsed, cpu, sent, failed, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    private sealed record PingRun(int Rounds, TimeSpan Wall, CpuSample Cpu, int Sent, int Failed, int Overruns);

    private static async Task<PingRun> RunPingProcessesAsync(IProcessRunner runner, string ns, IReadOnlyList<string> addresses, TimeSpan interval,
        int rounds, CancellationToken cancellationToken)
    {
        var sent = 0;
        var failed = 0;
        var overruns = 0;
        var wall = Stopwatch.StartNew();
        var cpuStart = CpuClock.Self();
        for (var round = 0; round < rounds; round++)
        {
            var roundStarted = wall.Elapsed;
            // Every target's process is started within the round, spread over the interval like the socket probes.
            var pings = addresses.Select(async (address, i) =>
            {
                await Task.Delay(interval * i / addresses.Count, cancellationToken);
                var (program, arguments) = NetworkNamespace.Wrap(ns, "ping", "-c", "1", "-W", "1", address);
                var result = await runner.RunAsync(program, arguments, TimeSpan.FromSeconds(10), cancellationToken);
                Interlocked.Increment(ref sent);
                if (!result.Succeeded) Interlocked.Increment(ref failed);
            }).ToList();
            await Task.WhenAll(pings);
            var next = roundStarted + interval;
            if (wall.Elapsed > next) overruns++;
            if (wall.Elapsed < next) await Task.Delay(next - wall.Elapsed, cancellationToken);
        }
        var cpu = CpuClock.Self() - cpuStart;
        return new PingRun(rounds, wall.Elapsed, cpu, sent, failed, overruns);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))];

    private static async Task Checked(IProcessRunner runner, string? ns, string program, params string[] arguments)
    {
        var (wrapped, wrappedArguments) = NetworkNamespace.Wrap(ns, program, arguments);
        var result = await runner.RunAsync(wrapped, wrappedArguments, TimeSpan.FromSeconds(30), CancellationToken.None);
        if (!result.Succeeded)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: exit {result.ExitCode}: {result.StandardError.Trim()}");
    }
}
