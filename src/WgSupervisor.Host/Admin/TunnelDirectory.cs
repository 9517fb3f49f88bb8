using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>A tunnel as the API shows it, with where it lives and how fresh the information is.</summary>
public sealed record TunnelView(TunnelSummary Summary, NodeStatus NodeStatus, DateTimeOffset? InformationSince, IReadOnlyList<string> ClaimedAlsoBy);

/// <summary>The tunnels a query selected; More: further tunnels match past the last one (the next page starts after it).</summary>
public sealed record TunnelViewPage(IReadOnlyList<TunnelView> Tunnels, bool More);

/// <summary>
/// The whole list and its version (null: this directory cannot tell versions, every list is new); Tunnels is null when the
/// version asked about is still current.
/// </summary>
public sealed record VersionedTunnelViews(long? Version, IReadOnlyList<TunnelView>? Tunnels);

/// <summary>
/// Where the admin API finds tunnels and sends commands: this node's fleet on its own, or — in a cluster —
/// the cluster view (every node's tunnels) and the owning node's fleet. Handlers never call node after node.
/// </summary>
public interface ITunnelDirectory
{
    Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The tunnels the query selects, filtered and paged where the tunnels are kept (a local fleet: in its roster).</summary>
    Task<TunnelViewPage> SelectAsync(TunnelQuery query, CancellationToken cancellationToken);

    /// <summary>The whole list, unless <paramref name="knownVersion"/> is still its version (then only the version comes back).</summary>
    Task<VersionedTunnelViews> ListIfChangedAsync(long? knownVersion, CancellationToken cancellationToken);

    Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sends a command (built for who asked) to the fleet of the node that owns the tunnel; the answer is the tunnel's.</summary>
    Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken);

    /// <summary>Sends a site command to every node that has tunnels of the site; the answer lists the tunnels it reached.</summary>
    Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken);
}

public sealed class LocalTunnelDirectory(IRequiredActor<FleetActor> fleet, string node) : ITunnelDirectory
{
    public async Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken)
    {
        var list = await fleet.ActorRef.Ask<TunnelList>(new GetTunnels(), AdminEndpoints.AskTimeout, cancellationToken);
        return list.Tunnels.Select(View).ToList();
    }

    public async Task<TunnelViewPage> SelectAsync(TunnelQuery query, CancellationToken cancellationToken)
    {
        var selection = await fleet.ActorRef.Ask<TunnelSelection>(new SelectTunnels(query), AdminEndpoints.AskTimeout, cancellationToken);
        return new TunnelViewPage(selection.Tunnels.Select(View).ToList(), selection.More);
    }

    public async Task<VersionedTunnelViews> ListIfChangedAsync(long? knownVersion, CancellationToken cancellationToken) =>
        await fleet.ActorRef.Ask<object>(new GetTunnelListIfChanged(knownVersion), AdminEndpoints.AskTimeout, cancellationToken) switch
        {
            VersionedTunnelList list => new VersionedTunnelViews(list.Version, list.Tunnels.Select(View).ToList()),
            TunnelListUnchanged unchanged => new VersionedTunnelViews(unchanged.Version, null),
            var other => throw new InvalidOperationException($"the fleet answered {other.GetType().Name} to a list request"),
        };

    public async Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken) =>
        await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, cancellationToken) is TunnelFound found ? View(found.Tunnel) : null;

    public Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken) =>
        fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);

    public Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken) =>
        fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken)
    {
        var list = await ListAsync(cancellationToken);
        return [new NodeView(node, null, NodeStatus.Up, [], list.Count, DateTimeOffset.UtcNow)];
    }

    private static TunnelView View(TunnelSummary summary) => new(summary, NodeStatus.Up, summary.ObservedAt, []);
}

public sealed class ClusterTunnelDirectory(IRequiredActor<ClusterViewActor> view, IRequiredActor<FleetActor> fleet, ActorSystem system, string node)
    : ITunnelDirectory
{
    public async Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken)
    {
        var tunnels = await view.ActorRef.Ask<ClusterViewProtocol.Tunnels>(new ClusterViewProtocol.GetTunnels(), AdminEndpoints.AskTimeout,
            cancellationToken);
        return tunnels.Items.Select(t => new TunnelView(t.Tunnel, t.NodeStatus, t.InformationSince, t.ClaimedAlsoBy)).ToList();
    }

    /// <summary>
    /// The cluster view hands over every node's tunnels at once: filtered and paged here, before any answer is built. A page
    /// holds up to Limit names (a name on two nodes, a standby and its carrier, never straddles two pages).
    /// </summary>
    public async Task<TunnelViewPage> SelectAsync(TunnelQuery query, CancellationToken cancellationToken)
    {
        var names = (await ListAsync(cancellationToken))
            .Where(t => query.Matches(t.Summary) && (query.After is null || string.CompareOrdinal(t.Summary.Name, query.After) > 0))
            .GroupBy(t => t.Summary.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Take(query.Limit is { } limit ? limit + 1 : int.MaxValue).ToList();
        var more = query.Limit is { } most && names.Count > most;
        return new TunnelViewPage((more ? names[..^1] : names).SelectMany(g => g.OrderBy(t => t.Summary.Node, StringComparer.Ordinal)).ToList(), more);
    }

    /// <summary>The cluster view keeps no version: every list is new (its answer still gets an ETag, from its content).</summary>
    public async Task<VersionedTunnelViews> ListIfChangedAsync(long? knownVersion, CancellationToken cancellationToken) =>
        new(null, await ListAsync(cancellationToken));

    public async Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken)
    {
        // This node's own tunnel straight from its fleet: an operator reads what they just changed here.
        if (await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, cancellationToken) is TunnelFound local &&
            local.Tunnel.Phase != TunnelPhase.Standby)
            return new TunnelView(local.Tunnel, NodeStatus.Up, local.Tunnel.ObservedAt, []);
        // Else the node that carries it (a standby's entry says only that it stands by), then any.
        var all = (await ListAsync(cancellationToken)).Where(t => t.Summary.Name == name).ToList();
        return all.FirstOrDefault(t => t.Summary.Phase != TunnelPhase.Standby && t.Summary.Node == node) ??
               all.FirstOrDefault(t => t.Summary.Phase != TunnelPhase.Standby) ?? all.FirstOrDefault();
    }

    public async Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken)
    {
        var owner = await view.ActorRef.Ask<object>(new ClusterViewProtocol.FindOwner(name), AdminEndpoints.AskTimeout, cancellationToken);
        if (owner is not ClusterViewProtocol.Owner found) return new TunnelNotFound(name);
        if (found.Node == node) return await fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);
        if (found.Status != NodeStatus.Up || found.Address is null)
            return new Actors.Tunnels.TunnelProtocol.CommandRejected(name, $"its node {found.Node} is {found.Status.ToString().ToLowerInvariant()}");
        return await FleetOf(found.Address).Ask<object>(command($"{by} on node {node}"), AdminEndpoints.AskTimeout, cancellationToken);
    }

    public async Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken)
    {
        var nodes = (await ListAsync(cancellationToken)).Where(t => t.Summary.Site == site && t.NodeStatus == NodeStatus.Up)
            .Select(t => t.Summary.Node).Distinct().ToList();
        if (nodes.Count == 0) return new SiteNotFound(site);
        var addresses = (await NodesAsync(cancellationToken)).ToDictionary(n => n.Name, n => n.Address);
        var answers = await Task.WhenAll(nodes.Select(n => n == node
            ? fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken)
            : FleetOf(addresses[n]!).Ask<object>(command($"{by} on node {node}"), AdminEndpoints.AskTimeout, cancellationToken)));
        return new SiteCommandSent(site, answers.OfType<SiteCommandSent>().SelectMany(a => a.Tunnels).Order(StringComparer.Ordinal).ToList());
    }

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken) =>
        (await view.ActorRef.Ask<ClusterViewProtocol.Nodes>(new ClusterViewProtocol.GetNodes(), AdminEndpoints.AskTimeout, cancellationToken)).Items;

    private ActorSelection FleetOf(string address) => system.ActorSelection($"{address}/user/fleet");
}
