using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Host.Configuration;

/// <summary>A tunnel's Probe section: an active probe through the tunnel (absent: none).</summary>
public static class ProbeSection
{
    private static readonly ProbeSettings Start = new(ProbeKind.Icmp, "", null, ProbeSettings.DefaultInterval, ProbeSettings.DefaultTimeout,
        ProbeSettings.DefaultFailuresBeforeStale);

    private static readonly KeyTable<ProbeSettings> Keys = new KeyTable<ProbeSettings>()
        .Key("Kind", (k, p) => p with { Kind = k.Choice(p.Kind) })
        .Key("Address", (k, p) =>
        {
            var address = k.Required();
            if (address is null) return p;
            if (!IPAddress.TryParse(address, out var ip)) k.Problem("not an IP address");
            else if (p.Kind == ProbeKind.Icmp && ip.AddressFamily != AddressFamily.InterNetwork)
                k.Problem("ICMP probes take an IPv4 address; use Kind tcp for IPv6");
            return p with { Address = address };
        })
        .Key("Port", (k, p) =>
        {
            if (p.Kind != ProbeKind.Tcp) return p with { Port = null };
            if (!k.IsSet) k.Problem("a tcp probe needs a Port");
            return p with { Port = k.Integer(0, minimum: 1, maximum: 65535) };
        })
        .Key("IntervalSeconds", (k, p) => p with { Interval = k.Seconds(p.Interval.TotalSeconds, minimum: 0.2) })
        .Key("TimeoutSeconds", (k, p) => p with { Timeout = k.Seconds(p.Timeout.TotalSeconds, minimum: 0.05) })
        .Check((section, p) =>
        {
            if (p.Timeout > p.Interval) section.Problem("TimeoutSeconds", "must not exceed IntervalSeconds");
        })
        .Key("Failures", (k, p) => p with { FailuresBeforeStale = k.Integer(p.FailuresBeforeStale, minimum: 1, maximum: 100) })
        .Key("ConfirmProbes", (k, p) => p with { ConfirmProbes = k.Integer(p.ConfirmProbes, minimum: 0, maximum: 20) })
        .Key("ConfirmWaitSeconds", (k, p) => p with { ConfirmWait = k.Seconds(p.ConfirmWait.TotalSeconds, minimum: 0.05, maximum: 10) });

    /// <returns>The probe; null when the section is empty, or when it has a problem (then the configuration is refused anyway).</returns>
    public static ProbeSettings? Read(KeyReader key)
    {
        if (!key.Section.GetChildren().Any()) return null;
        var before = key.Reader.ProblemCount;
        var probe = Keys.Read(key, Start);
        return key.Reader.ProblemCount == before ? probe : null;
    }
}
