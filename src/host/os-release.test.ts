import { describe, expect, test } from "bun:test";
import { parseOsRelease } from "./os-release.ts";

describe("parseOsRelease", () => {
  test("reads NixOS's double-quoted and bare values", () => {
    const text = [
      "ID=nixos",
      "NAME=NixOS",
      'PRETTY_NAME="NixOS 24.05 (Uakari)"',
      'VERSION_ID="24.05"',
      "",
    ].join("\n");
    expect(parseOsRelease(text)).toEqual({
      ID: "nixos",
      NAME: "NixOS",
      PRETTY_NAME: "NixOS 24.05 (Uakari)",
      VERSION_ID: "24.05",
    });
  });

  test("resolves backslash escapes inside double quotes", () => {
    const text = String.raw`PRETTY_NAME="MSP \"Edge\" Appliance \$HOME \` \\ \n"`;
    expect(parseOsRelease(text)).toEqual({
      // Only ", $, `, \ are escapable in double quotes; "\n" stays a backslash and an n.
      PRETTY_NAME: 'MSP "Edge" Appliance $HOME ` \\ \\n',
    });
  });

  test("takes single-quoted values literally", () => {
    expect(parseOsRelease(String.raw`NAME='Fedora \"Linux\" # not a comment'`)).toEqual({
      NAME: String.raw`Fedora \"Linux\" # not a comment`,
    });
  });

  test("joins quoted and bare parts as the shell does", () => {
    expect(parseOsRelease(`VERSION="24.05 "'(Uakari)'-beta`)).toEqual({
      VERSION: "24.05 (Uakari)-beta",
    });
  });

  test("ignores comments, blank lines, indentation and lines that are not assignments", () => {
    const text = [
      "# written by the installer",
      "",
      "   ",
      "  ID=debian  ",
      "not an assignment",
      "=no-key",
      "1BAD=starts with a digit",
      "BAD-KEY=dash",
      "ID_LIKE=",
    ].join("\r\n");
    expect(parseOsRelease(text)).toEqual({ ID: "debian", ID_LIKE: "" });
  });

  test("keeps everything after the first '='; a later assignment wins", () => {
    expect(parseOsRelease('HOME_URL="https://x.example/?a=b"\nID=one\nID=two')).toEqual({
      HOME_URL: "https://x.example/?a=b",
      ID: "two",
    });
  });

  test("runs an unterminated quote to the end of the line", () => {
    expect(parseOsRelease('NAME="Broken\nID=ok')).toEqual({ NAME: "Broken", ID: "ok" });
  });
});
