using System.Net.Sockets;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Sockets;
using WgSupervisor.WireGuard.Uapi;

namespace WgSupervisor.WireGuard.Observation;

/// <summary>
/// Reads userspace WireGuard (wireguard-go) without spawning anything: the UAPI sockets list the candidate
/// interfaces, SIOCGIFINDEX in the namespace says which live there, and `get=1` on each socket gives the
/// peers. An interface whose socket refuses or does not answer counts as gone (its process died or hangs).
/// </summary>
public sealed class UapiReader(TimeSpan timeout)
{
    public async Task<IReadOnlyDictionary<string, InterfaceStatus>> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        IReadOnlySet<string> present;
        try
        {
            present = InterfacePresence.Present(networkNamespace, UapiClient.SocketInterfaces());
        }
        catch (SocketException e)
        {
            throw new WireGuardUnavailableException($"cannot look into {DumpReader.Where(networkNamespace)}: {e.Message}", e);
        }
        var reads = present.Select(async name =>
        {
            try
            {
                return UapiParser.Parse(name, await UapiClient.GetAsync(name, timeout, cancellationToken));
            }
            catch (IOException)
            {
                return null;
            }
            catch (WireGuardParseException e)
            {
                throw new WireGuardUnavailableException($"unreadable UAPI answer of {name} in {DumpReader.Where(networkNamespace)}: {e.Message}", e);
            }
        });
        var interfaces = await Task.WhenAll(reads);
        return interfaces.OfType<InterfaceStatus>().ToDictionary(i => i.Name, StringComparer.Ordinal);
    }
}
