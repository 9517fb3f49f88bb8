using System.Security.Cryptography;

namespace WgSupervisor.Host.Dashboard;

/// <summary>
/// The live dashboard: one page, its script, style and icon, compiled into the assembly (nothing is read from
/// disk or the internet at run time). The page is a plain client of the admin API: it reads /api/tunnels,
/// /api/stream and (its Fleet view) /api/events, and its buttons call the same token-guarded routes as curl would. Off loopback the page itself needs a
/// token too: a 401 here asks for Basic authentication, so the browser prompts (any user name, the read or admin token as
/// password) and sends those credentials with the page's own reads; commands still send the admin token as Bearer.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Same origin only, no inline script or style, no framing, no form posts: the page needs nothing else.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "Dashboard/";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    /// <summary>The page and its files (where a browser, not a program, asks).</summary>
    public static bool Serves(PathString path) =>
        path.Value is "/" or "" || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var page = Load("index.html", "text/html; charset=utf-8");
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal)
        {
            ["dashboard.js"] = Load("dashboard.js", "text/javascript; charset=utf-8"),
            ["dashboard.css"] = Load("dashboard.css", "text/css; charset=utf-8"),
            ["favicon.svg"] = Load("favicon.svg", "image/svg+xml"),
        };

        app.MapGet("/", (HttpContext http) => Serve(http, page)).ExcludeFromDescription();
        app.MapGet("/dashboard", () => Results.Redirect("/")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (string file, HttpContext http) => assets.TryGetValue(file, out var asset)
            ? Serve(http, asset)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"the dashboard has no file '{file}' (it has {string.Join(", ", assets.Keys)})",
                extensions: new Dictionary<string, object?> { ["parameter"] = "file" }))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext http, Asset asset)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidate every time (cheap with the ETag), so that an upgraded supervisor never runs an old script.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        return http.Request.Headers.IfNoneMatch.Contains(asset.ETag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException(
                $"the dashboard file '{name}' is not embedded in {typeof(DashboardEndpoints).Assembly.GetName().Name}: " +
                "check the EmbeddedResource items of src/WgSupervisor.Host/WgSupervisor.Host.csproj");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        return new Asset(content, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }
}
