using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Lab;
using WgSupervisor.Testing;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Benchmarks.Support;

/// <summary>How long one site of a cell took to pass traffic again; null: not within the cap.</summary>
public sealed record SiteRecovery(string Site, TimeSpan? Recovery);

/// <summary>
/// What one cell measured: a recovery per site (none for the lossy class, which counts repairs, not a time), the
/// repairs started after the fault (null for the no-supervisor arm: nothing repairs), and what the arm did, in words.
/// </summary>
public sealed record MttrResult(string Class, string Arm, int Repetition, IReadOnlyList<SiteRecovery> Recoveries, int? Repairs, string Note)
{
    public bool Failed => Note.StartsWith("ERROR", StringComparison.Ordinal);

    public static MttrResult Error(string faultClass, string arm, int repetition, Exception e) =>
        new(faultClass, arm, repetition, [], null, $"ERROR {e.GetType().Name}: {e.Message.Split('\n')[0]}");
}

/// <summary>
/// One cell of the MTTR benchmark: a fresh lab of its own (its own namespaces, so cells can run side by side), the
/// arm that watches it, one fault, and the clock. Three phases, so that a class's cells can share a start line:
/// <see cref="PrepareAsync"/> (lab built, arm started, every tunnel passing traffic), <see cref="MeasureAsync"/> (fault,
/// clock), <see cref="DisposeAsync"/> (everything removed). The lab is what a real site-to-site gateway runs:
/// PersistentKeepalive 25 on the gateway side, sites dialled by host name through /etc/netns/GW/hosts.
/// </summary>
public sealed class MttrCell(string faultClass, string arm, int repetition, MttrCell.Settings settings) : IAsyncDisposable
{
    /// <param name="Cap">Longest wait for a recovery, per site.</param>
    /// <param name="BlackholeDuration">How long blackhole-200 drops the underlay.</param>
    /// <param name="LossyDuration">How long the lossy class keeps its loss on.</param>
    /// <param name="LossPercent">Random loss each way on the lossy site's underlay.</param>
    public sealed record Settings(TimeSpan Cap, TimeSpan BlackholeDuration, TimeSpan LossyDuration, int LossPercent);

    private static readonly TimeSpan HealthyLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan UserPingEvery = TimeSpan.FromMilliseconds(200);

    private WireGuardLab? _lab;
    private SupervisorProcess? _supervisor;
    private ReresolveWatchdog? _watchdog;

    public string Class => faultClass;
    public string Arm => arm;
    public int Repetition => repetition;
    private bool Supervised => arm is "wgsupervisor" or "wgsupervisor-underlay";

    /// <summary>Builds the lab, starts the arm, and waits until every tunnel passes traffic (and, supervised, is Healthy with its probe answering).</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var hub = faultClass == "hub-4-sites";
        _lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: hub ? 4 : 1, PersistentKeepaliveSeconds: 25, UseHostnames: true) { Hub = hub });
        if (Supervised)
        {
            _supervisor = await StartSupervisorAsync(_lab, underlayProbe: arm == "wgsupervisor-underlay", cancellationToken);
            foreach (var site in _lab.Sites)
            {
                var name = SupervisorConfigFile.TunnelName(site);
                var supervisor = _supervisor;
                await supervisor.WaitUntilAsync($"{name} healthy with its probe answering", HealthyLimit,
                    () => IsHealthyAsync(supervisor, name, cancellationToken), cancellationToken);
            }
        }
        else if (arm == "reresolve-dns")
        {
            var confs = _lab.Sites.Select(s => (s.GatewayInterface, s.GatewayConfPath)).Distinct().ToList();
            _watchdog = new ReresolveWatchdog(new ProcessRunner(), _lab.GatewayNamespace, confs);
        }
        foreach (var site in _lab.Sites)
            if (!await WaitForPingAsync(_lab, site, TimeSpan.FromSeconds(30), cancellationToken))
                throw new InvalidOperationException($"the fresh tunnel to {SupervisorConfigFile.TunnelName(site)} does not pass traffic");
    }

    /// <summary>Makes the fault and times each site from the moment its cause is gone to the first ping answered through its tunnel.</summary>
    public async Task<MttrResult> MeasureAsync(CancellationToken cancellationToken)
    {
        var lab = _lab ?? throw new InvalidOperationException("prepare the cell first");
        var faultAt = DateTimeOffset.UtcNow;
        IReadOnlyList<SiteRecovery> recoveries;
        switch (faultClass)
        {
            case "site-restart":
                await lab.SiteRestartAsync(lab.Sites[0]);
                recoveries = [await TimeRecoveryAsync(lab, lab.Sites[0], cancellationToken)];
                break;
            case "endpoint-move":
                recoveries = [await TimeRecoveryAsync(lab, await lab.MoveSiteAsync(lab.Sites[0]), cancellationToken)];
                break;
            case "endpoint-move-restart":
                var moved = await lab.MoveSiteAsync(lab.Sites[0]);
                await lab.SiteRestartAsync(moved);
                recoveries = [await TimeRecoveryAsync(lab, moved, cancellationToken)];
                break;
            case "gw-crash":
                await lab.KillGatewayProcessAsync(lab.Sites[0]);
                recoveries = [await TimeRecoveryAsync(lab, lab.Sites[0], cancellationToken)];
                break;
            case "hub-4-sites":
                // All four at once; each site's clock starts when its own restart is done.
                recoveries = await Task.WhenAll(lab.Sites.Select(async site =>
                {
                    await lab.SiteRestartAsync(site);
                    return await TimeRecoveryAsync(lab, site, cancellationToken);
                }));
                break;
            case "blackhole-200":
                await lab.BlackholeAsync(lab.Sites[0], on: true);
                await Task.Delay(settings.BlackholeDuration, cancellationToken);
                await lab.BlackholeAsync(lab.Sites[0], on: false);
                recoveries = [await TimeRecoveryAsync(lab, lab.Sites[0], cancellationToken)];
                break;
            case "lossy":
                await lab.LossyAsync(lab.Sites[0], settings.LossPercent, on: true);
                await Task.Delay(settings.LossyDuration, cancellationToken);
                await lab.LossyAsync(lab.Sites[0], settings.LossPercent, on: false);
                recoveries = [];
                break;
            default:
                throw new ArgumentException($"unknown fault class {faultClass}");
        }

        if (_supervisor is { } supervisor)
        {
            var (repairs, note) = await DescribeSupervisorAsync(supervisor, lab, faultAt, recovered: recoveries.Count > 0 && recoveries.All(r => r.Recovery is not null), cancellationToken);
            return new MttrResult(faultClass, arm, repetition, recoveries, repairs, note);
        }
        if (_watchdog is { } watchdog)
            return new MttrResult(faultClass, arm, repetition, recoveries, watchdog.EndpointResets, $"wg set endpoint issued {watchdog.EndpointResets}×");
        return new MttrResult(faultClass, arm, repetition, recoveries, null, "");
    }

    /// <summary>
    /// The host as a new user configures it (<see cref="SupervisorConfigFile.AsNewUser"/>: an ICMP probe every second,
    /// everything else at its defaults), optionally with each tunnel's underlay probe on; in a directory of its own,
    /// removed with the process.
    /// </summary>
    private static async Task<SupervisorProcess> StartSupervisorAsync(WireGuardLab lab, bool underlayProbe, CancellationToken cancellationToken)
    {
        var config = new SupervisorConfigFile(new { }, prefix: "wgs-bench");
        var port = SupervisorProcess.FreePort();
        config.Write(SupervisorConfigFile.AsNewUser(lab, port, config.JournalPath, underlayProbe, nodeName: "bench"));
        return await SupervisorProcess.StartAsync(new SupervisorStart(config.FilePath)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            AdminToken = null,
            OwnedDirectory = config.Directory,
            KeepLines = 60,
            RequestTimeout = TimeSpan.FromSeconds(10),
        }, cancellationToken);
    }

    /// <summary>
    /// Pings the site through its tunnel every 200 ms (-W 0.2: the same traffic in every arm, it plays the users) until one
    /// is answered or the cap passes.
    /// </summary>
    private async Task<SiteRecovery> TimeRecoveryAsync(WireGuardLab lab, LabSite site, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // Bounded: at most one ping per 200 ms until the cap (plus slack for slow spawns).
        var maxAttempts = (int)(settings.Cap / UserPingEvery) + 50;
        for (var attempt = 0; attempt < maxAttempts && clock.Elapsed < settings.Cap; attempt++)
        {
            var sentAt = clock.Elapsed;
            if (await lab.PingAsync(site, UserPingEvery.TotalSeconds)) return new SiteRecovery(SupervisorConfigFile.TunnelName(site), clock.Elapsed);
            var next = sentAt + UserPingEvery;
            if (clock.Elapsed < next) await Task.Delay(next - clock.Elapsed, cancellationToken);
        }
        return new SiteRecovery(SupervisorConfigFile.TunnelName(site), null);
    }

    /// <summary>
    /// What the supervisor did after the fault: the repairs it started (rung and cause), its holds, its stale episodes,
    /// and the reason it gave when healthy again. Waits briefly for the healthy event first, when traffic is back.
    /// </summary>
    private static async Task<(int Repairs, string Note)> DescribeSupervisorAsync(SupervisorProcess supervisor, WireGuardLab lab, DateTimeOffset faultAt,
        bool recovered, CancellationToken cancellationToken)
    {
        var names = lab.Sites.Select(SupervisorConfigFile.TunnelName).ToList();
        var repairs = 0;
        var parts = new List<string>();
        foreach (var name in names)
        {
            if (recovered)
                await WaitBrieflyAsync(async () => (await EventsSinceAsync(supervisor, name, faultAt, cancellationToken)).Any(e => e.Type == "healthy"), cancellationToken);
            var events = await EventsSinceAsync(supervisor, name, faultAt, cancellationToken);
            var started = events.Where(e => e.Type == "repair-started").ToList();
            repairs += started.Count;
            var rungs = started.Count == 0 ? "none" : string.Join(" → ", started.Select(e => $"{e.Rung ?? "?"} ({e.Cause ?? "no cause"})"));
            var holds = events.Where(e => e.Type == "held").Select(e => e.Cause ?? "?").ToList();
            var healed = events.LastOrDefault(e => e.Type == "healthy")?.Reason;
            parts.Add($"{(names.Count > 1 ? name + ": " : "")}rungs: {rungs}; stale {events.Count(e => e.Type == "stale")}×" +
                      $"{(holds.Count == 0 ? "" : $"; held ({string.Join(", ", holds.Distinct())}) {holds.Count}×")}" +
                      $"{(healed is null ? "" : $"; last healthy: {healed}")}");
        }
        return (repairs, string.Join(" | ", parts));
    }

    private sealed record HistoryEvent(string Type, DateTimeOffset? At, string? Rung, string? Cause, string? Reason);

    /// <summary>The tunnel's events at or after <paramref name="since"/>, oldest first; empty if unreadable.</summary>
    private static async Task<IReadOnlyList<HistoryEvent>> EventsSinceAsync(SupervisorProcess supervisor, string tunnel, DateTimeOffset since,
        CancellationToken cancellationToken)
    {
        var json = await TryGetJsonAsync(supervisor, $"/api/tunnels/{tunnel}/events", cancellationToken);
        var items = json as JsonArray ?? json?["items"] as JsonArray ?? json?["events"] as JsonArray ?? [];
        return items.OfType<JsonObject>()
            .Select(e => new HistoryEvent(
                Text(e, "type") ?? "?",
                DateTimeOffset.TryParse(Text(e, "at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) ? at : null,
                Text(e, "rung"), Text(e, "cause"), Text(e, "reason")))
            .Where(e => e.At is null || e.At >= since)
            .ToList();
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue value ? value.ToString() : null;

    /// <summary>Every tunnel is Healthy and its probe answered last time.</summary>
    private static async Task<bool> IsHealthyAsync(SupervisorProcess supervisor, string tunnel, CancellationToken cancellationToken)
    {
        var json = await TryGetJsonAsync(supervisor, $"/api/tunnels/{tunnel}", cancellationToken);
        return json?["state"]?.GetValue<string>() == "healthy" && json["probe"]?["lastSucceeded"]?.GetValue<bool?>() == true;
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

    /// <summary>Stops the arm and removes the lab (its namespaces take the nft rules of a fault still on with them).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_watchdog is not null) await _watchdog.DisposeAsync();
        if (_supervisor is not null) await _supervisor.DisposeAsync();
        if (_lab is null) return;
        await _lab.DisposeAsync();
        var left = _lab.Leftovers();
        if (left.Count > 0) Console.Error.WriteLine($"LEFTOVERS of lab {_lab.RunId}: {string.Join(", ", left)}");
    }
}
