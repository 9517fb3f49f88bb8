using Akka.Actor;
using Prometheus;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Host.Observability;

/// <summary>
/// Prometheus metrics, fed by what the actors publish on the event stream. Names are wgsupervisor_...;
/// per-tunnel series carry the labels of prometheus_wireguard_exporter where they overlap (interface,
/// public_key) plus tunnel, node and site.
/// </summary>
public static class WgMetrics
{
    private static readonly string[] TunnelLabels = ["tunnel", "node", "site", "interface", "public_key"];

    public static readonly Gauge HandshakeAge = Metrics.CreateGauge("wgsupervisor_tunnel_handshake_age_seconds",
        "Seconds since the peer's latest handshake (absent while it never handshook).", TunnelLabels);
    public static readonly Gauge LatestHandshake = Metrics.CreateGauge("wgsupervisor_tunnel_latest_handshake_seconds",
        "Unix time of the peer's latest handshake; 0 = never (as prometheus_wireguard_exporter's wireguard_latest_handshake_seconds).",
        TunnelLabels);
    public static readonly Gauge State = Metrics.CreateGauge("wgsupervisor_tunnel_state",
        "1 for the state the tunnel is in, 0 for the others.", [.. TunnelLabels, "state"]);
    public static readonly Gauge Up = Metrics.CreateGauge("wgsupervisor_tunnel_up", "1 when the tunnel is healthy.", TunnelLabels);
    public static readonly Gauge Held = Metrics.CreateGauge("wgsupervisor_tunnels_held",
        "Tunnels of the node whose repairs are held, by the cause the diagnosis named (site-unreachable, underlay-down).", "node", "cause");
    public static readonly Gauge ReceivedBytes = Metrics.CreateGauge("wgsupervisor_tunnel_received_bytes",
        "Bytes received from the peer as WireGuard counts them (restarts from 0 when the peer or interface is recreated).", TunnelLabels);
    public static readonly Gauge SentBytes = Metrics.CreateGauge("wgsupervisor_tunnel_sent_bytes",
        "Bytes sent to the peer as WireGuard counts them (restarts from 0 when the peer or interface is recreated).", TunnelLabels);
    public static readonly Counter Repairs = Metrics.CreateCounter("wgsupervisor_repairs_total",
        "Repairs finished, by rung and outcome.", "rung", "outcome");
    public static readonly Histogram RepairDuration = Metrics.CreateHistogram("wgsupervisor_repair_duration_seconds",
        "From the start of a repair to its verdict (verified, failed or timed out).",
        new HistogramConfiguration { LabelNames = ["rung"], Buckets = [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120] });
    public static readonly Counter Transitions = Metrics.CreateCounter("wgsupervisor_tunnel_events_total",
        "Events recorded in tunnels' histories, by type.", "type");
    public static readonly Gauge PermitsInUse = Metrics.CreateGauge("wgsupervisor_permits_in_use", "Repair permits granted right now.");
    public static readonly Gauge PermitsQueued = Metrics.CreateGauge("wgsupervisor_permits_queued", "Repair requests waiting for a permit.");
    public static readonly Gauge PermitLimit = Metrics.CreateGauge("wgsupervisor_permits_limit", "Repair permits the fleet grants at once.");
    public static readonly Gauge HistoryBacklog = Metrics.CreateGauge("wgsupervisor_history_pending_events",
        "Events waiting for the journal (non-zero while it is unreachable).");
    public static readonly Histogram PollDuration = Metrics.CreateHistogram("wgsupervisor_poll_duration_seconds",
        "How long one poll of every namespace took.",
        new HistogramConfiguration { Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    public static readonly Counter PollFailures = Metrics.CreateCounter("wgsupervisor_poll_failures_total",
        "Namespace reads that failed.");

    public static string[] LabelsOf(TunnelSummary t) => [t.Name, t.Node, t.Site ?? "", t.Interface, t.PeerPublicKey];
}

/// <summary>Listens on the event stream and keeps the metrics current.</summary>
public sealed class MetricsBridge : ReceiveActor
{
    /// <summary>The causes a hold names: their series start at 0, so that an alert or a panel has a series before the first hold.</summary>
    private static readonly string[] HoldCauses = [Cause.SiteUnreachable.ToWireName(), Cause.UnderlayDown.ToWireName()];

    private readonly Dictionary<string, string[]> _labels = new(StringComparer.Ordinal);
    private readonly HeldCount _held = new();

    public MetricsBridge()
    {
        Receive<TunnelToFleet.TunnelChanged>(c => Update(c.Summary));
        Receive<TunnelProtocol.EventRecorded>(Record);
        Receive<PollerActor.PollMeasured>(p =>
        {
            WgMetrics.PollDuration.Observe(p.Duration.TotalSeconds);
            if (p.Failed > 0) WgMetrics.PollFailures.Inc(p.Failed);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new MetricsBridge());

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(TunnelToFleet.TunnelChanged));
        Context.System.EventStream.Subscribe(Self, typeof(TunnelProtocol.EventRecorded));
        Context.System.EventStream.Subscribe(Self, typeof(PollerActor.PollMeasured));
    }

    private void Update(TunnelSummary t)
    {
        var labels = WgMetrics.LabelsOf(t);
        _labels[t.Name] = labels;
        var now = Context.System.Scheduler.Now;
        if (t.HandshakeAgeSeconds(now) is { } age) WgMetrics.HandshakeAge.WithLabels(labels).Set(age);
        else WgMetrics.HandshakeAge.RemoveLabelled(labels);
        WgMetrics.LatestHandshake.WithLabels(labels).Set(t.LatestHandshake?.ToUnixTimeSeconds() ?? 0);
        foreach (var phase in Enum.GetValues<TunnelPhase>())
            WgMetrics.State.WithLabels([.. labels, TunnelResource.StateName(phase)]).Set(phase == t.Phase ? 1 : 0);
        WgMetrics.Up.WithLabels(labels).Set(t.Phase == TunnelPhase.Healthy ? 1 : 0);
        foreach (var (node, cause, count) in _held.Update(t, HoldCauses)) WgMetrics.Held.WithLabels(node, cause).Set(count);
        WgMetrics.ReceivedBytes.WithLabels(labels).Set(t.RxBytes);
        WgMetrics.SentBytes.WithLabels(labels).Set(t.TxBytes);
    }

    private void Record(TunnelProtocol.EventRecorded recorded)
    {
        WgMetrics.Transitions.WithLabels(HistoryReader.EventTypeName(recorded.Event)).Inc();
        if (recorded.Event is TunnelRetired && _held.Forget(recorded.Node, recorded.Tunnel) is var (node, cause, count))
            WgMetrics.Held.WithLabels(node, cause).Set(count);
        if (recorded.Event is not RepairFinished finished) return;
        WgMetrics.Repairs.WithLabels(finished.Rung.ToWireName(), TunnelResource.OutcomeName(finished.Outcome)).Inc();
        WgMetrics.RepairDuration.WithLabels(finished.Rung.ToWireName()).Observe(finished.Duration.TotalSeconds);
    }
}

/// <summary>
/// How many tunnels of each node are held, by cause, from the summaries as they change. Gives back only the counts that
/// changed (and, for a node seen for the first time, a 0 for each cause a hold names).
/// </summary>
public sealed class HeldCount
{
    /// <summary>What each held tunnel is held for; a tunnel not held is absent.</summary>
    private readonly Dictionary<(string Node, string Tunnel), string> _causes = new();
    private readonly Dictionary<(string Node, string Cause), int> _counts = new();

    /// <summary>A held tunnel whose cause is not (yet) reported is counted under this cause.</summary>
    public const string UnknownCause = "unknown";

    public IReadOnlyList<(string Node, string Cause, int Count)> Update(TunnelSummary tunnel, IReadOnlyList<string> holdCauses)
    {
        var changed = new List<(string, string, int)>();
        foreach (var cause in holdCauses)
            if (_counts.TryAdd((tunnel.Node, cause), 0)) changed.Add((tunnel.Node, cause, 0));
        var key = (tunnel.Node, tunnel.Name);
        var before = _causes.GetValueOrDefault(key);
        var now = tunnel.Phase == TunnelPhase.Held ? tunnel.Cause ?? UnknownCause : null;
        if (before == now) return changed;
        if (before is not null) changed.Add(Count(tunnel.Node, before, -1));
        if (now is not null) changed.Add(Count(tunnel.Node, now, +1));
        if (now is null) _causes.Remove(key);
        else _causes[key] = now;
        return changed;
    }

    /// <summary>A retired tunnel no longer counts; gives back the count that changed, if it was held.</summary>
    public (string Node, string Cause, int Count)? Forget(string node, string tunnel) =>
        _causes.Remove((node, tunnel), out var cause) ? Count(node, cause, -1) : null;

    private (string, string, int) Count(string node, string cause, int by)
    {
        var count = _counts.GetValueOrDefault((node, cause)) + by;
        _counts[(node, cause)] = count;
        return (node, cause, count);
    }
}
