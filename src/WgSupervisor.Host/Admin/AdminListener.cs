using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// Where Kestrel listens for the admin endpoint: http:// as a plain URL, https:// with the certificate from the settings
/// (Admin's own, else the Cluster:Tls one). Over https the port speaks TLS only: a plain HTTP request there fails.
/// </summary>
public static class AdminListener
{
    public const string CertificateUsage = "admin";

    /// <returns>The certificate the endpoint serves (its expiry is watched), or null for http://.</returns>
    /// <exception cref="Security.CertificateLoadException">The certificate cannot be loaded (the message names the file, never key material).</exception>
    public static X509Certificate2? Configure(IWebHostBuilder webHost, SupervisorSettings config)
    {
        var url = config.AdminUrl;
        if (url.Scheme != Uri.UriSchemeHttps)
        {
            webHost.UseUrls(url.ToString());
            return null;
        }
        var certificate = config.AdminCertificate.Load();
        webHost.ConfigureKestrel(kestrel => Listen(kestrel, url, listen => listen.UseHttps(certificate)));
        return certificate;
    }

    /// <summary>The same addresses UseUrls would bind: an IP address as given, localhost on both loopbacks, a host name on every address.</summary>
    private static void Listen(KestrelServerOptions kestrel, Uri url, Action<ListenOptions> configure)
    {
        var host = url.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var address)) kestrel.Listen(address, url.Port, configure);
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(url.Port, configure);
        else kestrel.ListenAnyIP(url.Port, configure);
    }
}
