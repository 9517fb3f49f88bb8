using System.Net;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Repair;

namespace WgSupervisor.WireGuard.Resolution;

/// <summary>
/// Resolves the endpoint name that re-resolve would set, the way `wg set` will: `getent ahosts` run with
/// `ip netns exec` in the tunnel's namespace, so /etc/netns/NS/hosts and resolv.conf count exactly as for wg.
/// </summary>
public sealed class EndpointResolver(IProcessRunner runner, TimeSpan timeout)
{
    /// <summary>getent's exit code for "the key was not found in the database".</summary>
    private const int NotFound = 2;

    public async Task<EndpointResolution> ResolveAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        var endpoint = RepairActions.EndpointOf(tunnel);
        if (RepairLadder.HostOf(endpoint) is not { } host || IPAddress.TryParse(host, out _)) return EndpointResolution.NotApplicable;

        var (program, arguments) = NetworkNamespace.Wrap(tunnel.Namespace, "getent", "ahosts", host);
        var result = await runner.RunAsync(program, arguments, timeout, cancellationToken);
        if (!result.Succeeded)
            return EndpointResolution.Failed(endpoint!, !result.TimedOut && result.ExitCode == NotFound
                ? $"{host} does not resolve"
                : $"getent ahosts {host}: {ProcessReport.Describe(result)}");
        var addresses = GetentHostsParser.ParseAddresses(result.StandardOutput);
        return addresses.Count > 0
            ? EndpointResolution.Resolved(endpoint!, addresses)
            : EndpointResolution.Failed(endpoint!, $"{host} resolves to no address");
    }
}
