using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace WgSupervisor.Host.Security;

/// <summary>A certificate this node presents, and what for ("remoting", "admin").</summary>
public sealed record MonitoredCertificate(string Usage, X509Certificate2 Certificate)
{
    public DateTimeOffset ExpiresAt => new(Certificate.NotAfter.ToUniversalTime());
}

/// <summary>
/// Keeps wgsupervisor_tls_certificate_expiry_seconds{node,usage} for every certificate this node presents, and warns in the log,
/// at start and then daily, when one expires within <see cref="WarnAhead"/> (an expired remoting certificate splits the cluster).
/// </summary>
public sealed class CertificateExpiryMonitor(IEnumerable<MonitoredCertificate> certificates, NodeIdentity node, ILogger<CertificateExpiryMonitor> log,
    TimeProvider clock) : BackgroundService
{
    private readonly IReadOnlyList<MonitoredCertificate> _certificates = certificates.ToList();

    public static readonly TimeSpan WarnAhead = TimeSpan.FromDays(30);
    public static readonly TimeSpan CheckEvery = TimeSpan.FromDays(1);

    /// <summary>
    /// The expiry as a Unix time, not a countdown: the series stays right between checks, and an alert is
    /// <c>wgsupervisor_tls_certificate_expiry_seconds - time() &lt; 30 * 86400</c>.
    /// </summary>
    public static readonly Gauge Expiry = Metrics.CreateGauge("wgsupervisor_tls_certificate_expiry_seconds",
        "Unix time when the certificate this node presents expires (NotAfter), by usage (remoting, admin).", "node", "usage");

    /// <summary>The metric and the first warnings before the host goes on: a node that starts with a certificate about to end says so at once.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var certificate in _certificates)
            Expiry.WithLabels(node.Name, certificate.Usage).Set(certificate.ExpiresAt.ToUnixTimeSeconds());
        WarnOfEndingCertificates();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_certificates.Count == 0) return;
        using var timer = new PeriodicTimer(CheckEvery, clock);
        while (await WaitAsync(timer, stoppingToken)) WarnOfEndingCertificates();
    }

    private void WarnOfEndingCertificates()
    {
        foreach (var warning in _certificates.Select(c => WarningFor(c, clock.GetUtcNow())).OfType<string>())
            log.LogWarning("{Warning}", warning);
    }

    /// <summary>The warning due for <paramref name="certificate"/> at <paramref name="now"/>, or null when it has more than <see cref="WarnAhead"/> left.</summary>
    public static string? WarningFor(MonitoredCertificate certificate, DateTimeOffset now)
    {
        var left = certificate.ExpiresAt - now;
        if (left > WarnAhead) return null;
        var what = $"The {certificate.Usage} TLS certificate {certificate.Certificate.Subject} (thumbprint {certificate.Certificate.Thumbprint})";
        return left <= TimeSpan.Zero
            ? $"{what} expired on {certificate.ExpiresAt:u}: peers refuse it; renew it (wgsupervisor certs) and restart the node"
            : $"{what} expires on {certificate.ExpiresAt:u}, in {left.TotalDays:0} day(s): renew it (wgsupervisor certs) and restart the node";
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>This node's name, for labels of the certificate metrics.</summary>
public sealed record NodeIdentity(string Name);

public static class CertificateExpiryMonitorExtensions
{
    /// <summary>Watches <paramref name="certificate"/>'s expiry; any number of certificates may be added, the monitor runs once.</summary>
    public static IServiceCollection AddCertificateExpiryMonitor(this IServiceCollection services, string nodeName, string usage,
        X509Certificate2 certificate)
    {
        services.TryAddSingleton(new NodeIdentity(nodeName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new MonitoredCertificate(usage, certificate));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CertificateExpiryMonitor>());
        return services;
    }
}
