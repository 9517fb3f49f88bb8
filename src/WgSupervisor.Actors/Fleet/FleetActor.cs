using Akka.Actor;
using Akka.Event;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Settings of one node's fleet.</summary>
/// <param name="PollInterval">Null: no poller (tests drive observations by hand).</param>
/// <param name="DiscoveryTemplate">Settings for tunnels found on local interfaces; null: supervise only the configured tunnels.</param>
/// <param name="WatchedNamespaces">Namespaces polled besides those of the configured tunnels (null: the host's own).</param>
/// <param name="Cluster">How this fleet takes part in a cluster; null: a node on its own.</param>
public sealed record FleetSettings(
    string Node,
    IReadOnlyList<TunnelSettings> Tunnels,
    PermitLimits Limits,
    TimeSpan? PollInterval,
    HistorySettings History,
    TunnelSettings? DiscoveryTemplate = null,
    IReadOnlyList<string?>? WatchedNamespaces = null,
    FleetClusterSettings? Cluster = null)
{
    public IReadOnlyList<string?> Namespaces =>
        Tunnels.Select(t => t.Namespace).Concat(DiscoveryTemplate is null ? [] : WatchedNamespaces ?? []).Distinct().ToList();
}

/// <summary>
/// Parent of every tunnel actor of this node. It fans the poller's snapshots out to the tunnels, grants
/// repair permits through its <see cref="PermitBook"/> (a permit ends with its holder: release, withdrawal,
/// a new incarnation, death, or lease expiry), keeps the latest summary of each tunnel for the admin
/// endpoint, and restarts a failing tunnel actor without disturbing its siblings.
/// </summary>
public sealed partial class FleetActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan LeaseCheckInterval = TimeSpan.FromSeconds(5);
    private const string LeaseTimer = "leases";

    private readonly FleetSettings _settings;
    private readonly IWireGuard _wireGuard;
    private readonly IProber? _prober;
    private readonly Func<double> _unitRandom;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PermitBook _permits;
    private readonly Dictionary<string, IActorRef> _tunnels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TunnelSettings> _tunnelSettings = new(StringComparer.Ordinal);
    private readonly Dictionary<TunnelKey, string> _namesByKey = new();
    private readonly Dictionary<string, TunnelSummary> _summaries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HistoryStatus> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PollStatus> _polls = new(StringComparer.Ordinal);
    private IActorRef _poller = ActorRefs.Nobody;

    public FleetActor(FleetSettings settings, IWireGuard wireGuard, IProber? prober, Func<double> unitRandom, IActorRef? budget)
    {
        _settings = settings;
        _wireGuard = wireGuard;
        _prober = prober;
        _budget = budget;
        _unitRandom = unitRandom;
        _permits = new PermitBook(settings.Limits);

        Receive<NamespaceObserved>(FanOut);
        Receive<NamespaceUnreadable>(u => RecordPoll(u.Namespace, success: null, failure: u.At, u.Error));

        Receive<RequestPermit>(r => { _permits.Request(r.Request); GrantWhatFits(); });
        Receive<WithdrawPermitRequest>(w => { ReleaseAll(w.Tunnel); GrantWhatFits(); });
        Receive<ReleasePermit>(r =>
        {
            if (_permits.Release(r.Tunnel, r.PermitId)) ForgetClusterLease(r.Tunnel);
            GrantWhatFits();
        });
        Receive<TunnelIncarnated>(i => { ReleaseAll(i.Tunnel); GrantWhatFits(); });
        Receive<ExpireLeases>(_ => ExpireLeasesNow());
        Receive<Terminated>(OnTunnelTerminated);

        Receive<TunnelChanged>(c =>
        {
            // Retired tunnels may still report once; they are gone from the view.
            if (!_tunnels.ContainsKey(c.Summary.Name)) return;
            _summaries[c.Summary.Name] = c.Summary;
            // Live views (the dashboard's stream, metrics, webhooks) listen on the event stream, the cluster on pub-sub.
            Context.System.EventStream.Publish(c);
            PublishToCluster(c.Summary);
        });
        Receive<HistoryStatus>(h => _history[h.Tunnel] = h);
        Receive<PollerActor.PollNow>(p => _poller.Forward(p));

        Receive<GetTunnels>(_ => Sender.Tell(new TunnelList(_summaries.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList())));
        Receive<GetTunnel>(g => Sender.Tell(_summaries.TryGetValue(g.Name, out var s) ? new TunnelFound(s) : new TunnelNotFound(g.Name)));
        Receive<RestartTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.RestartRequested(r.By)));
        Receive<GetTunnelSamples>(g => ForwardToTunnel(g.Name, TunnelProtocol.GetSamples.Instance));
        Receive<MoveTunnel>(m => ForwardToTunnel(m.Name, m));
        Receive<TakeOverTunnel>(t => ForwardToTunnel(t.Name, t));
        Receive<PauseTunnel>(p => ForwardToTunnel(p.Name, new TunnelProtocol.PauseRequested(p.By, p.Reason)));
        Receive<ResumeTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.ResumeRequested(r.By)));
        Receive<ReleaseTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.ReleaseRequested(r.By)));
        Receive<PauseSite>(p => TellSite(p.Site, new TunnelProtocol.PauseRequested(p.By, p.Reason)));
        Receive<ResumeSite>(r => TellSite(r.Site, new TunnelProtocol.ResumeRequested(r.By)));
        Receive<GetFleetStatus>(_ => Sender.Tell(BuildStatus()));
        // Answers of tunnels to site-wide commands: the asker was already told which tunnels got them.
        Receive<TunnelProtocol.CommandAccepted>(_ => { });
        Receive<TunnelProtocol.CommandRejected>(r => _log.Info("Tunnel {Tunnel} did not take a site command: {Reason}", r.Tunnel, r.Reason));
        if (settings.Cluster is not null) ClusterHandlers();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="budget">The cluster's restart-budget singleton (its proxy); null: the node's own limits only.</param>
    public static Props Props(FleetSettings settings, IWireGuard wireGuard, Func<double>? unitRandom = null, IProber? prober = null,
        IActorRef? budget = null) =>
        Akka.Actor.Props.Create(() => new FleetActor(settings, wireGuard, prober, unitRandom ?? Random.Shared.NextDouble, budget));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>A tunnel actor that throws is restarted from its journal; its siblings do not notice.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    protected override void PreStart()
    {
        foreach (var tunnel in _settings.Tunnels) StartTunnel(tunnel);
        if (_settings.PollInterval is { } interval)
            _poller = Context.ActorOf(PollerActor.Props(_settings.Namespaces, interval, _wireGuard, Self), "poller");
        Timers.StartPeriodicTimer(LeaseTimer, ExpireLeases.Instance, LeaseCheckInterval);
        StartClusterDuties();
    }

    private void StartTunnel(TunnelSettings tunnel)
    {
        var warnings = _wireGuard.Diagnose(tunnel);
        foreach (var warning in warnings) _log.Warning("Tunnel {Tunnel}: {Warning}", tunnel.Name, warning);
        var historyName = "history-" + Uri.EscapeDataString(tunnel.Name);
        var history = Context.Child(historyName) is { } existing && !existing.IsNobody()
            ? existing
            : Context.ActorOf(TunnelHistory.Props(TunnelActor.PersistenceIdFor(_settings.Node, tunnel.Name), _settings.History), historyName);
        var supervising = TunnelActor.Props(tunnel, _settings.Node, Self, _wireGuard, _unitRandom, _settings.History, _prober, warnings, history);
        // A tunnel that can move between two gateways is carried here only while this node is the one that has it.
        var props = tunnel.PartnerNode is not null && _settings.Cluster is not null
            ? MovableTunnelActor.Props(tunnel, _settings.Node, Self, _wireGuard, history, _ => supervising)
            : supervising;
        var child = Context.Watch(Context.ActorOf(props, ActorNameOf(tunnel.Name)));
        _tunnels[tunnel.Name] = child;
        _tunnelSettings[tunnel.Name] = tunnel;
        _namesByKey[tunnel.Key] = tunnel.Name;
        _summaries.TryAdd(tunnel.Name, TunnelSummary.NotYetObserved(tunnel, _settings.Node));
    }

    /// <summary>Tunnel names are validated to [A-Za-z0-9._-]; the prefix keeps them clear of Akka's reserved names.</summary>
    private static string ActorNameOf(string tunnel) => "tunnel-" + Uri.EscapeDataString(tunnel);

    private void FanOut(NamespaceObserved observed)
    {
        var snapshot = observed.Snapshot;
        RecordPoll(snapshot.Namespace, success: snapshot.At, failure: null, error: null);
        if (_settings.DiscoveryTemplate is { } template) DiscoverNewPeers(snapshot, template);
        foreach (var (name, tunnel) in _tunnelSettings.ToList())
        {
            if (tunnel.Namespace != snapshot.Namespace || !_tunnels.TryGetValue(name, out var actor)) continue;
            var observation = snapshot.Observe(tunnel.Interface, tunnel.PeerPublicKey);
            if (tunnel.Discovered && observation.Peer is null && ShouldRetire(tunnel))
            {
                Retire(tunnel, actor, observation.InterfacePresent ? "its peer was removed from the interface" : "its interface is gone");
                continue;
            }
            actor.Tell(new TunnelProtocol.Observed(observation));
        }
    }

    /// <summary>Level-triggered discovery: every peer on a watched interface is supervised, found or configured.</summary>
    private void DiscoverNewPeers(NamespaceSnapshot snapshot, TunnelSettings template)
    {
        foreach (var iface in snapshot.Interfaces.Values)
        foreach (var peer in iface.Peers)
        {
            var key = new TunnelKey(snapshot.Namespace, iface.Name, peer.PublicKey);
            if (_namesByKey.ContainsKey(key)) continue;
            var settings = template with
            {
                Name = UniqueName(DiscoveredName(key)),
                Interface = iface.Name,
                PeerPublicKey = peer.PublicKey,
                Namespace = snapshot.Namespace,
                WgQuickConfig = $"/etc/wireguard/{iface.Name}.conf",
                Discovered = true,
            };
            settings = settings with { Ladder = _wireGuard.ApplicableLadder(settings) };
            _log.Info("Discovered peer {Peer} on {Interface} in {Namespace}: supervising it as {Tunnel}", peer.PublicKey, iface.Name,
                snapshot.Namespace ?? "the host namespace", settings.Name);
            StartTunnel(settings);
        }
    }

    /// <summary>A discovered tunnel whose conf still declares its peer is wanted: it is repaired, not retired.</summary>
    private bool ShouldRetire(TunnelSettings tunnel) =>
        !_wireGuard.IsDeclared(tunnel) &&
        !(_summaries.TryGetValue(tunnel.Name, out var summary) && summary.Phase == TunnelPhase.Restarting);

    private void Retire(TunnelSettings tunnel, IActorRef actor, string reason)
    {
        Context.Unwatch(actor);
        actor.Tell(new TunnelProtocol.Retire(reason));
        _tunnels.Remove(tunnel.Name);
        _tunnelSettings.Remove(tunnel.Name);
        _namesByKey.Remove(tunnel.Key);
        _summaries.Remove(tunnel.Name);
        _history.Remove(tunnel.Name);
        ReleaseAll(tunnel.Name);
        _log.Info("Tunnel {Tunnel} retired: {Reason}", tunnel.Name, reason);
        GrantWhatFits();
    }

    /// <summary>"ns.iface.1a2b3c4d" from the first bytes of the peer's key; letters, digits, '.', '-' only.</summary>
    public static string DiscoveredName(TunnelKey key)
    {
        var keyBytes = new byte[32];
        var suffix = Convert.TryFromBase64String(key.PeerPublicKey, keyBytes, out var length) && length >= 4
            ? Convert.ToHexStringLower(keyBytes, 0, 4)
            : "peer";
        var prefix = key.Namespace is null ? key.Interface : $"{key.Namespace}.{key.Interface}";
        prefix = new string(prefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
        return $"{prefix[..Math.Min(prefix.Length, 64 - 1 - suffix.Length)]}.{suffix}";
    }

    private string UniqueName(string name)
    {
        if (!_tunnels.ContainsKey(name)) return name;
        for (var i = 2; i < 1000; i++)
            if (!_tunnels.ContainsKey($"{name[..Math.Min(name.Length, 60)]}-{i}")) return $"{name[..Math.Min(name.Length, 60)]}-{i}";
        throw new InvalidOperationException($"no free name for {name}");
    }

    /// <summary>The tunnel answers the asker itself.</summary>
    private void ForwardToTunnel(string name, object command)
    {
        if (_tunnels.TryGetValue(name, out var tunnel)) tunnel.Forward(command);
        else Sender.Tell(new TunnelNotFound(name));
    }

    private void TellSite(string site, object command)
    {
        var members = _tunnelSettings.Values.Where(t => t.Site == site).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        if (members.Count == 0)
        {
            Sender.Tell(new SiteNotFound(site));
            return;
        }
        foreach (var name in members) _tunnels[name].Tell(command);
        Sender.Tell(new SiteCommandSent(site, members));
    }

    private void RecordPoll(string? ns, DateTimeOffset? success, DateTimeOffset? failure, string? error)
    {
        var key = ns ?? "";
        _polls.TryGetValue(key, out var previous);
        _polls[key] = new PollStatus(ns, success ?? previous?.LastSuccess, failure ?? previous?.LastFailure,
            success is not null ? null : error ?? previous?.LastError);
    }

    private void GrantWhatFits()
    {
        foreach (var permit in _permits.GrantWhatFits(Now))
        {
            if (!_tunnels.ContainsKey(permit.Request.Tunnel)) _permits.Release(permit.Request.Tunnel);
            else if (_budget is not null) AskBudget(permit);
            else Deliver(permit);
        }
    }

    /// <summary>The permit reaches its tunnel (after the cluster budget agreed, when there is one).</summary>
    private void Deliver(Permit permit)
    {
        if (_tunnels.TryGetValue(permit.Request.Tunnel, out var tunnel))
            tunnel.Tell(new TunnelProtocol.PermitGranted(permit.Id, permit.Request.RequestId));
    }

    /// <summary>Forgets the tunnel's permit or request here and, in a cluster, its lease and any deferred request.</summary>
    private void ReleaseAll(string tunnel)
    {
        _permits.Release(tunnel);
        ForgetClusterLease(tunnel);
    }

    private void ExpireLeasesNow()
    {
        var expired = _permits.Expire(Now);
        foreach (var permit in expired) ForgetClusterLease(permit.Request.Tunnel);
        foreach (var permit in expired)
            _log.Warning("Permit {PermitId} of tunnel {Tunnel} expired after {Lease}; its holder is presumed lost",
                permit.Id, permit.Request.Tunnel, _settings.Limits.Lease);
        if (expired.Count > 0) GrantWhatFits();
    }

    private void OnTunnelTerminated(Terminated terminated)
    {
        // Histories are not watched; only a tunnel actor that stopped for good lands here.
        var name = _tunnels.FirstOrDefault(t => t.Value.Equals(terminated.ActorRef)).Key;
        if (name is null) return;
        _tunnels.Remove(name);
        ReleaseAll(name);
        _log.Error("Tunnel actor {Tunnel} stopped for good (too many failures); starting it again", name);
        StartTunnel(_tunnelSettings[name]);
        GrantWhatFits();
    }

    private FleetStatus BuildStatus() => new(
        _permits.Granted.Count,
        _settings.Limits.MaxConcurrent,
        _permits.Granted.Select(p => p.Request.Tunnel).Order(StringComparer.Ordinal).ToList(),
        _permits.Waiting.Select(r => r.Tunnel).ToList(),
        _polls.Values.OrderBy(p => p.Namespace ?? "", StringComparer.Ordinal).ToList(),
        _history.Values.Sum(h => h.PendingEvents),
        _history.Values.Where(h => h.Problem is not null).Select(h => $"{h.Tunnel}: {h.Problem}").ToList());
}
