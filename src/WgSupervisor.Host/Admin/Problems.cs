namespace WgSupervisor.Host.Admin;

/// <summary>problem+json answers that name the parameter at fault.</summary>
public static class Problems
{
    public static IResult BadParameter(string parameter, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Invalid parameter '{parameter}'", detail: detail,
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    public static IResult TunnelNotFound(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tunnel not found", detail: $"no tunnel named '{name}' is supervised here",
            extensions: new Dictionary<string, object?> { ["parameter"] = "name", ["tunnel"] = name });

    public static IResult SiteNotFound(string site) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Site not found", detail: $"no tunnel is labelled with site '{site}'",
            extensions: new Dictionary<string, object?> { ["parameter"] = "site", ["site"] = site });

    public static IResult Conflict(string tunnel, string reason) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible now", detail: reason,
            extensions: new Dictionary<string, object?> { ["parameter"] = "name", ["tunnel"] = tunnel });
}
