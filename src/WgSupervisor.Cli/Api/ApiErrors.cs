using System.Net;
using System.Text.Json;

namespace WgSupervisor.Cli.Api;

/// <summary>A problem+json answer (RFC 9457) as the admin API sends it: a title, a detail and the parameter at fault.</summary>
public sealed record Problem(string Title, string? Detail, string? Parameter)
{
    /// <summary>
    /// Reads a problem from an error answer. An answer that is no problem (another server on that port, a proxy's page)
    /// becomes "HTTP 404 Not Found" with the start of its body, so the operator still sees what came back.
    /// </summary>
    public static Problem From(HttpStatusCode status, string? reasonPhrase, string? mediaType, string body)
    {
        if (mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && Text(root, "title") is { } title)
                    return new Problem(title, Text(root, "detail"), Text(root, "parameter"));
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through to the plain description.
            }
        }
        var start = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (start.Length > 200) start = start[..200] + "…";
        return new Problem($"HTTP {(int)status} {reasonPhrase ?? status.ToString()}",
            start.Length > 0 ? start : "the answer was not a problem description: is --url a WgSupervisor admin endpoint?", null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The supervisor answered with an error status.</summary>
public sealed class ApiProblemException(HttpStatusCode status, Problem problem)
    : Exception($"{problem.Title}: {problem.Detail}")
{
    public HttpStatusCode Status { get; } = status;
    public Problem Problem { get; } = problem;
}

/// <summary>The supervisor did not answer at all (refused, timed out, unknown host, dropped).</summary>
public sealed class ApiUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The supervisor answered 2xx with something that is not what the API documents.</summary>
public sealed class UnexpectedAnswerException(string message, Exception? inner = null) : Exception(message, inner);
