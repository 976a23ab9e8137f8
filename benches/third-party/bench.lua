-- Benchmark script for the Lua interpreter: `lua bench.lua N`. A mix of what Lua programs do:
-- recursion, table-heavy integer work, floating point, strings, sorting with a comparator,
-- closures and objects with metatables. Prints one checksum line per part.
local n = tonumber(... or "1")

local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end

local function sieve(limit)
  local composite, count = {}, 0
  for i = 2, limit do
    if not composite[i] then
      count = count + 1
      for j = i * i, limit, i do composite[j] = true end
    end
  end
  return count
end

local function fannkuch(m)
  local perm, perm1, count = {}, {}, {}
  for i = 0, m - 1 do perm1[i] = i end
  local maxflips, checksum, r, sign = 0, 0, m, 1
  while true do
    while r ~= 1 do count[r - 1] = r; r = r - 1 end
    for i = 0, m - 1 do perm[i] = perm1[i] end
    local flips, k = 0, perm[0]
    while k ~= 0 do
      local i, j = 0, k
      while i < j do perm[i], perm[j] = perm[j], perm[i]; i = i + 1; j = j - 1 end
      flips = flips + 1
      k = perm[0]
    end
    if flips > maxflips then maxflips = flips end
    checksum = checksum + sign * flips
    sign = -sign
    while true do
      if r == m then return checksum, maxflips end
      local p0 = perm1[0]
      for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
      perm1[r] = p0
      count[r] = count[r] - 1
      if count[r] > 0 then break end
      r = r + 1
    end
  end
end

local function spectral(m)
  local function a(i, j) local ij = i + j - 1; return 1.0 / (ij * (ij - 1) * 0.5 + i) end
  local function av(x, y)
    for i = 1, m do
      local s = 0.0
      for j = 1, m do s = s + a(i, j) * x[j] end
      y[i] = s
    end
  end
  local function atv(x, y)
    for i = 1, m do
      local s = 0.0
      for j = 1, m do s = s + a(j, i) * x[j] end
      y[i] = s
    end
  end
  local u, v, t = {}, {}, {}
  for i = 1, m do u[i] = 1.0 end
  for _ = 1, 10 do
    av(u, t); atv(t, v); av(v, t); atv(t, u)
  end
  local vbv, vv = 0.0, 0.0
  for i = 1, m do vbv = vbv + u[i] * v[i]; vv = vv + v[i] * v[i] end
  return math.sqrt(vbv / vv)
end

local function strings(m)
  local parts = {}
  for i = 1, m do parts[#parts + 1] = string.format("%d:%x;", i, i * 7919 % 65536) end
  local s = table.concat(parts)
  local sum = 0
  for a, b in s:gmatch("(%d+):(%x+);") do sum = sum + tonumber(a) + tonumber(b, 16) end
  local up = s:gsub("[a-f]", string.upper)
  return sum, #up, up:sub(-12)
end

local function sorting(m)
  local seed, items = 42, {}
  for i = 1, m do
    seed = (seed * 1103515245 + 12345) % 2147483648
    items[i] = { key = seed % 100000, id = i }
  end
  table.sort(items, function(x, y)
    if x.key ~= y.key then return x.key < y.key end
    return x.id < y.id
  end)
  local h = 0
  for i = 1, m, 97 do h = (h * 31 + items[i].key + items[i].id) % 1000000007 end
  return h
end

local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point.__add(p, q) return Point.new(p.x + q.x, p.y + q.y) end
function Point:scale(k) return Point.new(self.x * k, self.y * k) end

local function objects(m)
  local acc = Point.new(0, 0)
  local adders = {}
  for i = 1, 16 do adders[i] = function(p) return p + Point.new(i, -i) end end
  for i = 1, m do
    acc = adders[i % 16 + 1](acc):scale(1)
    if i % 1000 == 0 then acc = Point.new(acc.x % 997, acc.y % 991) end
  end
  return acc.x, acc.y
end

print("fib", fib(24 + n // 4))
print("sieve", sieve(200000 * n))
print("fannkuch", fannkuch(8))
print("spectral", string.format("%.9f", spectral(60 * n)))
print("strings", strings(20000 * n))
print("sort", sorting(20000 * n))
print("objects", objects(100000 * n))
