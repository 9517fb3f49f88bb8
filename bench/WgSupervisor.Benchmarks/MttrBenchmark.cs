using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Benchmarks.Support;
using WgSupervisor.Lab;
using WgSupervisor.Testing;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Benchmarks;

/// <summary>
/// Time to repair, per fault class, under three arms in one run: WgSupervisor (the real host process, the
/// fault-class tests' configuration), no supervisor at all, and a reresolve-dns watchdog. Each cell gets a
/// fresh one-site lab (keepalive 5 s on the gateway side), so arms cannot leave state for each other. The
/// clock starts when the fault clears (site back up, nft rule removed, address and hosts entry moved,
/// wireguard-go killed) and stops at the first ping answered through the tunnel; the gateway pings every
/// 200 ms with a 200 ms wait (that traffic is the same in every arm: it plays the users). Capped.
/// </summary>
public static class MttrBenchmark
{
    public static readonly string[] Classes = ["site-restart", "blackhole", "endpoint-move", "gw-crash"];
    public static readonly string[] Arms = ["wgsupervisor", "none", "reresolve-dns"];

    public sealed record Options(int Repetitions = 1, int CapSeconds = 240, IReadOnlyList<string>? OnlyClasses = null, IReadOnlyList<string>? OnlyArms = null,
        int BlackholeSeconds = 20, int SettleSeconds = 5);

    private sealed record Cell(string Class, string Arm, int Repetition, TimeSpan? Recovery, string Note);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var classes = options.OnlyClasses ?? Classes;
        var arms = options.OnlyArms ?? Arms;
        var cap = TimeSpan.FromSeconds(options.CapSeconds);
        Console.WriteLine($"mttr: classes {string.Join(", ", classes)}; arms {string.Join(", ", arms)}; {options.Repetitions} repetition(s); cap {cap.TotalSeconds:0} s");
        Console.WriteLine($"host: {SupervisorProcess.HostAssembly}");
        Console.WriteLine("clock: from the fault clearing to the first ping answered through the tunnel (ping from the gateway namespace every 200 ms, -W 0.2)");
        var cells = new List<Cell>();
        var total = Stopwatch.StartNew();
        for (var repetition = 1; repetition <= options.Repetitions; repetition++)
            foreach (var faultClass in classes)
                foreach (var arm in arms)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Cell cell;
                    try
                    {
                        cell = await MeasureAsync(faultClass, arm, repetition, cap, options, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        cell = new Cell(faultClass, arm, repetition, null, $"ERROR {e.GetType().Name}: {FirstLine(e.Message)}");
                    }
                    cells.Add(cell);
                    Console.WriteLine($"[{total.Elapsed:hh\\:mm\\:ss}] {faultClass,-13} | {arm,-13} | rep {repetition} | {Format(cell.Recovery, cap)}{(cell.Note.Length > 0 ? $" | {cell.Note}" : "")}");
                }

        Console.WriteLine();
        Console.WriteLine($"MTTR (median of {options.Repetitions}; time from the fault clearing to the first answered ping; cap {cap.TotalSeconds:0} s)");
        Console.WriteLine($"{"class",-22} | {"WgSupervisor",-16} | {"none",-16} | {"reresolve-dns",-16} | ratio (reresolve/WgSupervisor)");
        Console.WriteLine($"{new string('-', 22)}-|-{new string('-', 16)}-|-{new string('-', 16)}-|-{new string('-', 16)}-|-{new string('-', 30)}");
        foreach (var faultClass in classes)
        {
            TimeSpan? Median(string arm)
            {
                var values = cells.Where(c => c.Class == faultClass && c.Arm == arm).Select(c => c.Recovery ?? TimeSpan.MaxValue).Order().ToList();
                if (values.Count == 0) return null;
                var median = values[values.Count / 2];
                return median == TimeSpan.MaxValue ? TimeSpan.MaxValue : median;
            }
            string Column(string arm) => !arms.Contains(arm) ? "-" : Median(arm) is { } m ? Format(m == TimeSpan.MaxValue ? null : m, cap) : "-";
            var supervised = arms.Contains("wgsupervisor") ? Median("wgsupervisor") : null;
            var reresolve = arms.Contains("reresolve-dns") ? Median("reresolve-dns") : null;
            var ratio = (supervised, reresolve) switch
            {
                ({ } s, { } r) when s != TimeSpan.MaxValue && r != TimeSpan.MaxValue => (r / s).ToString("0.0", CultureInfo.InvariantCulture),
                ({ } s, { } r) when s != TimeSpan.MaxValue && r == TimeSpan.MaxValue => $">{(cap / s).ToString("0", CultureInfo.InvariantCulture)}",
                ({ } s, _) when s == TimeSpan.MaxValue => "n/a (WgSupervisor never)",
                _ => "-",
            };
            var label = faultClass == "blackhole" ? $"blackhole {options.BlackholeSeconds} s" : faultClass;
            Console.WriteLine($"{label,-22} | {Column("wgsupervisor"),-16} | {Column("none"),-16} | {Column("reresolve-dns"),-16} | {ratio}");
        }
        Console.WriteLine($"total {total.Elapsed.TotalMinutes:0.0} min");
        return cells.Any(c => c.Note.StartsWith("ERROR", StringComparison.Ordinal)) ? 1 : 0;
    }

    private static async Task<Cell> MeasureAsync(string faultClass, string arm, int repetition, TimeSpan cap, Options options, CancellationToken cancellationToken)
    {
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5, UseHostnames: faultClass == "endpoint-move"));
        SupervisorProcess? supervisor = null;
        ReresolveWatchdog? watchdog = null;
        var blackholed = false;
        try
        {
            var site = lab.Sites[0];
            // Verify timeouts as in the fault-class tests: 30 s for the blackhole (a restart must outlast it), 10 s otherwise.
            if (arm == "wgsupervisor")
            {
                supervisor = await StartSupervisorAsync(lab, faultClass == "blackhole" ? 30 : 10, cancellationToken);
                var started = supervisor;
                await started.WaitUntilAsync("site1 healthy with its probe answering", TimeSpan.FromSeconds(90),
                    () => IsHealthyAsync(started, "site1", cancellationToken), cancellationToken);
            }
            else if (arm == "reresolve-dns")
            {
                watchdog = new ReresolveWatchdog(new ProcessRunner(), lab.GatewayNamespace, [(site.GatewayInterface, site.GatewayConfPath)]);
            }
            if (!await WaitForPingAsync(lab, site, TimeSpan.FromSeconds(30), cancellationToken)) throw new InvalidOperationException("the fresh tunnel does not pass traffic");
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);

            // The fault; `clearedAt` is when its cause is gone.
            switch (faultClass)
            {
                case "site-restart":
                    await lab.SiteDownAsync(site);
                    await lab.SiteUpAsync(site);
                    break;
                case "blackhole":
                    await lab.BlackholeAsync(site, on: true);
                    blackholed = true;
                    await Task.Delay(TimeSpan.FromSeconds(options.BlackholeSeconds), cancellationToken);
                    await lab.BlackholeAsync(site, on: false);
                    blackholed = false;
                    break;
                case "endpoint-move":
                    site = await lab.MoveSiteAsync(site);
                    break;
                case "gw-crash":
                    await lab.KillGatewayProcessAsync(site);
                    break;
                default:
                    throw new ArgumentException($"unknown fault class {faultClass}");
            }
            var clock = Stopwatch.StartNew();
            TimeSpan? recovery = null;
            // Bounded: at most one ping per 200 ms until the cap (plus slack for slow spawns).
            var maxAttempts = (int)(cap.TotalMilliseconds / 200) + 50;
            for (var attempt = 0; attempt < maxAttempts && clock.Elapsed < cap; attempt++)
            {
                var sentAt = clock.Elapsed;
                if (await lab.PingAsync(site, 0.2))
                {
                    recovery = clock.Elapsed;
                    break;
                }
                var next = sentAt + TimeSpan.FromMilliseconds(200);
                if (clock.Elapsed < next) await Task.Delay(next - clock.Elapsed, cancellationToken);
            }

            var note = "";
            if (supervisor is not null)
            {
                // What the supervisor did: the rungs it started, and the reason it gave when healthy again.
                if (recovery is not null)
                    await WaitBrieflyAsync(async () => (await EventsAsync(supervisor, "site1", cancellationToken)).Count(e => e.Type == "healthy") >= 2, cancellationToken);
                var events = await EventsAsync(supervisor, "site1", cancellationToken);
                var rungs = events.Where(e => e.Type == "repair-started").Select(e => e.Rung ?? "?").ToList();
                var healed = events.LastOrDefault(e => e.Type == "healthy").Reason;
                note = $"rungs: {(rungs.Count == 0 ? "none" : string.Join(" → ", rungs))}{(healed is null ? "" : $"; last healthy: {healed}")}";
            }
            else if (watchdog is not null)
            {
                note = $"wg set endpoint issued {watchdog.EndpointResets}×";
            }
            return new Cell(faultClass, arm, repetition, recovery, note);
        }
        finally
        {
            if (watchdog is not null) await watchdog.DisposeAsync();
            if (supervisor is not null) await supervisor.DisposeAsync();
            if (blackholed) await TryAsync(() => lab.BlackholeAsync(lab.Sites[0], on: false));
            await lab.DisposeAsync();
            var left = lab.Leftovers();
            if (left.Count > 0) Console.Error.WriteLine($"LEFTOVERS of lab {lab.RunId}: {string.Join(", ", left)}");
        }
    }

    /// <summary>
    /// The host with the configuration of the fault-class integration tests: poll 1 s, ICMP probe to the site's tunnel address
    /// every 1 s (timeout 0.8 s, stale after 3 failures), handshake threshold 150 s, ladder re-resolve → reset peer →
    /// restart interface, backoff 2 s ×2 capped at 4 s; in a directory of its own, removed with the process.
    /// </summary>
    private static async Task<SupervisorProcess> StartSupervisorAsync(WireGuardLab lab, double verifyTimeoutSeconds, CancellationToken cancellationToken)
    {
        var config = new SupervisorConfigFile(new { }, prefix: "wgs-bench");
        var port = SupervisorProcess.FreePort();
        config.Write(SupervisorConfigFile.ForLab(lab, port, config.JournalPath, staleAfterSeconds: 150, verifyTimeoutSeconds: verifyTimeoutSeconds,
            ladder: SupervisorConfigFile.DefaultLadder, probe: SupervisorConfigFile.IcmpProbe, nodeName: "bench"));
        return await SupervisorProcess.StartAsync(new SupervisorStart(config.FilePath)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            AdminToken = null,
            OwnedDirectory = config.Directory,
            KeepLines = 60,
            RequestTimeout = TimeSpan.FromSeconds(10),
        }, cancellationToken);
    }

    /// <summary>The tunnel is Healthy and its probe answered last time.</summary>
    private static async Task<bool> IsHealthyAsync(SupervisorProcess supervisor, string tunnel, CancellationToken cancellationToken)
    {
        var json = await TryGetJsonAsync(supervisor, $"/api/tunnels/{tunnel}", cancellationToken);
        return json?["state"]?.GetValue<string>() == "healthy" && json["probe"]?["lastSucceeded"]?.GetValue<bool?>() == true;
    }

    /// <summary>The tunnel's history as (type, rung, reason) triples, oldest first; empty if unreadable.</summary>
    private static async Task<IReadOnlyList<(string Type, string? Rung, string? Reason)>> EventsAsync(SupervisorProcess supervisor, string tunnel,
        CancellationToken cancellationToken)
    {
        var json = await TryGetJsonAsync(supervisor, $"/api/tunnels/{tunnel}/events", cancellationToken);
        var items = json as JsonArray ?? json?["items"] as JsonArray ?? json?["events"] as JsonArray ?? [];
        return items.Where(e => e is JsonObject).Select(e => (
            e!["type"]?.GetValue<string>() ?? "?",
            e["rung"] is JsonValue rung ? rung.ToString() : null,
            e["reason"] is JsonValue reason ? reason.ToString() : null)).ToList();
    }

    /// <summary>The answer as JSON, or null when the host does not answer (yet) or answers with an error.</summary>
    private static async Task<JsonNode?> TryGetJsonAsync(SupervisorProcess supervisor, string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await supervisor.Http.GetAsync(path, cancellationToken);
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    private static async Task<bool> WaitForPingAsync(WireGuardLab lab, LabSite site, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 100 && clock.Elapsed < limit; attempt++)
        {
            if (await lab.PingAsync(site, 1)) return true;
            await Task.Delay(250, cancellationToken);
        }
        return false;
    }

    private static async Task WaitBrieflyAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            if (await condition()) return;
            await Task.Delay(250, cancellationToken);
        }
    }

    private static async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is LabException or InvalidOperationException)
        {
        }
    }

    private static string Format(TimeSpan? recovery, TimeSpan cap) =>
        recovery is { } r ? $"{r.TotalSeconds:0.0} s" : $">{cap.TotalSeconds:0} s (never)";

    private static string FirstLine(string text) => text.Split('\n')[0];
}
