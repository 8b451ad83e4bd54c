using System.Text;
using CsiDriver.Templating;

namespace CsiDriver.Tests.Templating;

/// <summary>Builds data maps and renders through a real engine.</summary>
internal static class TemplateTestData
{
    public static Dictionary<string, ReadOnlyMemory<byte>> Data(params (string Name, string Value)[] objects) =>
        objects.ToDictionary(o => o.Name, o => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(o.Value), StringComparer.Ordinal);

    public static string Render(string template, params (string Name, string Value)[] objects) =>
        Encoding.UTF8.GetString(new TemplateEngine(TemplateLimits.Default).Render("test", template, Data(objects)));

    public static TemplateException RenderFails(string template, params (string Name, string Value)[] objects) =>
        RenderFails(new TemplateEngine(TemplateLimits.Default), template, Data(objects));

    public static TemplateException RenderFails(TemplateEngine engine, string template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> data)
    {
        var act = () => engine.Render("db-url", template, data);
        return act.Should().Throw<TemplateException>().Which;
    }
}
