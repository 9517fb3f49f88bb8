using System.Globalization;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.WireGuard.Repair;

/// <summary>Time limits of the external tools: every command has one.</summary>
public sealed record CommandTimeouts(TimeSpan Read, TimeSpan WgQuick, TimeSpan WgSet)
{
    /// <summary>Resolving an endpoint name (getent): short, since it is one piece of evidence for a diagnosis.</summary>
    public TimeSpan Resolve { get; init; } = TimeSpan.FromSeconds(3);

    public static readonly CommandTimeouts Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
}

/// <summary>The rungs of the repair ladder as commands: argument lists, time-outs, in the tunnel's namespace.</summary>
public sealed class RepairActions(IProcessRunner runner, CommandTimeouts timeouts)
{
    public Task<RepairActionResult> RunAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken) => rung switch
    {
        RepairRung.ReresolveEndpoint => ReresolveEndpointAsync(tunnel, cancellationToken),
        RepairRung.ResetPeer => ResetPeerAsync(tunnel, cancellationToken),
        RepairRung.RestartInterface => RestartInterfaceAsync(tunnel, cancellationToken),
        RepairRung.Command => RunOperatorCommandAsync(tunnel, cancellationToken),
        _ => Task.FromResult(RepairActionResult.Failed($"unknown rung {rung}")),
    };

    /// <summary>The endpoint to set on re-resolve: configured, or the conf's `Endpoint =` of this peer.</summary>
    public static string? EndpointOf(TunnelSettings tunnel) =>
        tunnel.Repair.EndpointHost ?? WgQuickConf.FindPeer(tunnel.WgQuickConfig, tunnel.PeerPublicKey)?.Endpoint;

    /// <summary>
    /// WireGuard resolves a hostname only when it is set: setting it again re-resolves (in the namespace's /etc/hosts
    /// and DNS). A site that moved may also have restarted and will not answer the old session, so when the conf
    /// declares the peer it is removed and added back with the endpoint: one action, a fresh handshake to the new address.
    /// </summary>
    private async Task<RepairActionResult> ReresolveEndpointAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        if (EndpointOf(tunnel) is not { } endpoint)
            return RepairActionResult.Failed($"no endpoint to re-resolve: set Repair EndpointHost or an Endpoint for this peer in {tunnel.WgQuickConfig}");
        if (WgQuickConf.FindPeer(tunnel.WgQuickConfig, tunnel.PeerPublicKey) is { } peer)
            return await ReaddPeerAsync(tunnel, peer, $"endpoint set again to {endpoint} and a fresh handshake started (peer re-added)", cancellationToken);
        var result = await WgSetAsync(tunnel, cancellationToken, null, "peer", tunnel.PeerPublicKey, "endpoint", endpoint);
        return result.Succeeded
            ? RepairActionResult.Ok($"endpoint set again to {endpoint}")
            : RepairActionResult.Failed($"wg set endpoint {endpoint}: {ProcessReport.Describe(result)}");
    }

    /// <summary>The session is dead but the interface is fine: a fresh handshake for this peer alone.</summary>
    private async Task<RepairActionResult> ResetPeerAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        if (WgQuickConf.FindPeer(tunnel.WgQuickConfig, tunnel.PeerPublicKey) is not { } peer)
            return RepairActionResult.Failed($"cannot reset the peer: {tunnel.WgQuickConfig} does not declare it");
        return await ReaddPeerAsync(tunnel, peer, "peer removed and added back from its conf", cancellationToken);
    }

    /// <summary>
    /// Removes the peer and adds it back from its conf (preshared key through stdin, endpoint as re-resolve sets it,
    /// resolved by `wg set` at that moment), so that a fresh handshake starts while the interface's other peers carry on.
    /// </summary>
    private async Task<RepairActionResult> ReaddPeerAsync(TunnelSettings tunnel, ConfPeer peer, string success, CancellationToken cancellationToken)
    {
        var remove = await WgSetAsync(tunnel, cancellationToken, null, "peer", tunnel.PeerPublicKey, "remove");
        if (!remove.Succeeded) return RepairActionResult.Failed($"wg set peer remove: {ProcessReport.Describe(remove)}");

        var presharedKey = peer.HasPresharedKey ? WgQuickConf.ReadPresharedKey(tunnel.WgQuickConfig, tunnel.PeerPublicKey) : null;
        var add = await WgSetAsync(tunnel, cancellationToken, presharedKey, AddArguments(tunnel, peer, withEndpoint: true));
        if (add.Succeeded) return RepairActionResult.Ok(success);
        // The endpoint may not resolve right now: the peer must not stay removed because of that.
        var fallback = await WgSetAsync(tunnel, cancellationToken, presharedKey, AddArguments(tunnel, peer, withEndpoint: false));
        return RepairActionResult.Failed($"adding the peer back failed ({ProcessReport.Describe(add)}); " +
                                         (fallback.Succeeded ? "added back without its endpoint" : $"without endpoint too: {ProcessReport.Describe(fallback)}"));
    }

    private static string[] AddArguments(TunnelSettings tunnel, ConfPeer peer, bool withEndpoint)
    {
        var arguments = new List<string> { "peer", tunnel.PeerPublicKey };
        if (peer.HasPresharedKey) arguments.AddRange(["preshared-key", "/dev/stdin"]);
        arguments.AddRange(["allowed-ips", string.Join(',', peer.AllowedIps)]);
        if (withEndpoint && (tunnel.Repair.EndpointHost ?? peer.Endpoint) is { } endpoint) arguments.AddRange(["endpoint", endpoint]);
        if (peer.PersistentKeepalive is { } keepalive) arguments.AddRange(["persistent-keepalive", keepalive.ToString(CultureInfo.InvariantCulture)]);
        return arguments.ToArray();
    }

    private async Task<RepairActionResult> RestartInterfaceAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        if (tunnel.Repair.SystemdUnit is { } unit)
        {
            var restart = await runner.RunAsync("systemctl", ["restart", unit], timeouts.WgQuick, cancellationToken);
            return restart.Succeeded ? RepairActionResult.Ok($"systemctl restart {unit} ok") : RepairActionResult.Failed($"systemctl restart {unit}: {ProcessReport.Describe(restart)}");
        }
        // Down may fail because the interface is already gone (its process died): that is what up repairs.
        var down = await RunAsync(NetworkNamespace.Wrap(tunnel.Namespace, "wg-quick", "down", tunnel.WgQuickConfig), timeouts.WgQuick, cancellationToken);
        var up = await RunAsync(NetworkNamespace.WrapDetached(tunnel.Namespace, "wg-quick", "up", tunnel.WgQuickConfig), timeouts.WgQuick, cancellationToken);
        var downNote = down.Succeeded ? "down ok" : $"down failed ({ProcessReport.Describe(down)})";
        return up.Succeeded
            ? RepairActionResult.Ok($"wg-quick {downNote}, up ok")
            : RepairActionResult.Failed($"wg-quick {downNote}, up failed ({ProcessReport.Describe(up)})");
    }

    /// <summary>wg-quick down, for a movable tunnel handed to another node (already down counts as done).</summary>
    public async Task<RepairActionResult> TakeDownAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        var down = await RunAsync(NetworkNamespace.Wrap(tunnel.Namespace, "wg-quick", "down", tunnel.WgQuickConfig), timeouts.WgQuick, cancellationToken);
        return down.Succeeded || down.StandardError.Contains("is not a WireGuard interface", StringComparison.Ordinal)
            ? RepairActionResult.Ok("wg-quick down")
            : RepairActionResult.Failed($"wg-quick down: {ProcessReport.Describe(down)}");
    }

    /// <summary>The operator's command, with the tunnel described in environment variables (never spliced into the command).</summary>
    private async Task<RepairActionResult> RunOperatorCommandAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        if (tunnel.Repair.Command is not { Count: > 0 } command)
            return RepairActionResult.Failed("no repair command is configured (Repair: Command)");
        var program = command[0];
        var arguments = command.Skip(1).ToList();
        var environment = new Dictionary<string, string>
        {
            ["WGSUP_TUNNEL"] = tunnel.Name,
            ["WGSUP_INTERFACE"] = tunnel.Interface,
            ["WGSUP_PEER_PUBLIC_KEY"] = tunnel.PeerPublicKey,
            ["WGSUP_NAMESPACE"] = tunnel.Namespace ?? "",
            ["WGSUP_WG_QUICK_CONFIG"] = tunnel.WgQuickConfig,
        };
        var result = await runner.RunAsync(program, arguments, tunnel.Repair.CommandTimeout, cancellationToken, environment: environment);
        return result.Succeeded
            ? RepairActionResult.Ok($"{Path.GetFileName(program)} exited 0")
            : RepairActionResult.Failed($"{Path.GetFileName(program)}: {ProcessReport.Describe(result)}");
    }

    private Task<ProcessResult> WgSetAsync(TunnelSettings tunnel, CancellationToken cancellationToken, string? standardInput, params string[] arguments)
    {
        var (program, wrapped) = NetworkNamespace.Wrap(tunnel.Namespace, "wg", ["set", tunnel.Interface, .. arguments]);
        return runner.RunAsync(program, wrapped, timeouts.WgSet, cancellationToken, standardInput);
    }

    private Task<ProcessResult> RunAsync((string Program, IReadOnlyList<string> Arguments) command, TimeSpan timeout, CancellationToken cancellationToken) =>
        runner.RunAsync(command.Program, command.Arguments, timeout, cancellationToken);
}
