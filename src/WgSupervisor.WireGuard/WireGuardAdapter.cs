using System.Net;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Observation;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Repair;
using WgSupervisor.WireGuard.Resolution;

namespace WgSupervisor.WireGuard;

public enum ObservationSource
{
    /// <summary>UAPI sockets when no kernel WireGuard can exist (module not loaded), else the dump.</summary>
    Auto,
    /// <summary>`wg show all dump` + `ip -o link show`: two processes per namespace per poll, kernel and userspace.</summary>
    Dump,
    /// <summary>Userspace UAPI sockets only: no process per poll.</summary>
    Uapi,
}

/// <summary>
/// WireGuard for the rest of WgSupervisor: observation (dump or UAPI, chosen per namespace), the repair
/// ladder, and the checks of a tunnel's conf. Nothing above this class knows which implementation runs.
/// </summary>
public sealed class WireGuardAdapter : IWireGuard
{
    private const string KernelModule = "/sys/module/wireguard";
    private readonly DumpReader _dump;
    private readonly UapiReader _uapi;
    private readonly RepairActions _repairs;
    private readonly EndpointResolver _resolver;
    private readonly TimeProvider _clock;
    private readonly ObservationSource _source;

    public WireGuardAdapter(IProcessRunner runner, TimeProvider clock, ObservationSource source = ObservationSource.Auto, CommandTimeouts? timeouts = null)
    {
        var limits = timeouts ?? CommandTimeouts.Default;
        _dump = new DumpReader(runner, limits.Read);
        _uapi = new UapiReader(limits.Read);
        _repairs = new RepairActions(runner, limits);
        _resolver = new EndpointResolver(runner, limits.Resolve);
        _clock = clock;
        _source = source;
    }

    /// <summary>The source that <see cref="ReadAsync"/> uses on this machine.</summary>
    public ObservationSource EffectiveSource =>
        _source != ObservationSource.Auto ? _source : Directory.Exists(KernelModule) ? ObservationSource.Dump : ObservationSource.Uapi;

    public async Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        var interfaces = EffectiveSource == ObservationSource.Uapi
            ? await _uapi.ReadAsync(networkNamespace, cancellationToken)
            : await _dump.ReadAsync(networkNamespace, cancellationToken);
        return new NamespaceSnapshot(networkNamespace, _clock.GetUtcNow(), interfaces);
    }

    public Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken) =>
        _repairs.RunAsync(rung, tunnel, cancellationToken);

    public bool TryReadConfiguredEndpoint(TunnelSettings tunnel, out string? endpoint)
    {
        endpoint = EndpointOf(tunnel);
        return true;
    }

    public Task<EndpointResolution> ResolveEndpointAsync(TunnelSettings tunnel, CancellationToken cancellationToken) =>
        _resolver.ResolveAsync(tunnel, cancellationToken);

    public Task<RepairActionResult> TakeDownAsync(TunnelSettings tunnel, CancellationToken cancellationToken) =>
        _repairs.TakeDownAsync(tunnel, cancellationToken);

    /// <summary>The endpoint re-resolve would set (host:port): the tunnel's EndpointHost, else the peer's `Endpoint =` in its wg-quick conf.</summary>
    public static string? EndpointOf(TunnelSettings tunnel) => RepairActions.EndpointOf(tunnel);

    public bool IsDeclared(TunnelSettings tunnel) =>
        WgQuickConf.FindPeer(tunnel.WgQuickConfig, tunnel.PeerPublicKey) is not null;

    public IReadOnlyList<string> Diagnose(TunnelSettings tunnel)
    {
        var problems = new List<string>();
        var peer = File.Exists(tunnel.WgQuickConfig) ? WgQuickConf.FindPeer(tunnel.WgQuickConfig, tunnel.PeerPublicKey) : null;
        var confUse = WgQuickConfNeed.ReasonFor(tunnel);
        if (!File.Exists(tunnel.WgQuickConfig))
        {
            if (confUse is not null) problems.Add($"{tunnel.WgQuickConfig} does not exist, and {confUse}");
        }
        else if (peer is null && tunnel.Ladder.Contains(RepairRung.ResetPeer))
            problems.Add($"{tunnel.WgQuickConfig} does not declare this peer: reset-peer cannot work");
        var endpoint = RepairActions.EndpointOf(tunnel);
        if (tunnel.Ladder.Contains(RepairRung.ReresolveEndpoint) && endpoint is null)
            problems.Add("no endpoint to re-resolve (the peer has no Endpoint and no EndpointHost is set)");
        if (endpoint is not null && peer is not null && RepairLadder.HostOf(endpoint) is { } host && !IPAddress.TryParse(host, out _))
            foreach (var server in NameServers(tunnel.Namespace).Where(s => peer.AllowedIps.Any(prefix => Covers(prefix, s))))
                problems.Add($"the endpoint {host} can only be resolved through this tunnel (name server {server} is inside its allowed IPs): " +
                             "re-resolving cannot repair it; use an address or a name server outside the tunnel");
        return problems;
    }

    /// <summary>The name servers the namespace uses: `ip netns exec` puts /etc/netns/NS/resolv.conf over /etc/resolv.conf.</summary>
    private static IEnumerable<IPAddress> NameServers(string? networkNamespace)
    {
        var namespaced = networkNamespace is null ? null : $"/etc/netns/{networkNamespace}/resolv.conf";
        var path = namespaced is not null && File.Exists(namespaced) ? namespaced : "/etc/resolv.conf";
        if (!File.Exists(path)) yield break;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["nameserver", var address, ..] && IPAddress.TryParse(address, out var server)) yield return server;
        }
    }

    private static bool Covers(string prefix, IPAddress address) =>
        IPNetwork.TryParse(prefix, out var network) && network.Contains(address);
}
