import json, re, hashlib, datetime
data = {"name": "wedge", "values": [3, 1, 4, 1, 5, 9, 2, 6], "when": "2024-02-29"}
text = json.dumps(data, sort_keys=True)
digest = hashlib.sha256(text.encode()).hexdigest()
words = re.findall(r"[a-z]+", "Hello WebAssembly, hello wedge: fast and small")
day = datetime.date.fromisoformat(data["when"])
later = day + datetime.timedelta(days=365)
print(text)
print(digest)
print(sorted(set(words)))
print(day.strftime("%A"), later.isoformat(), sum(data["values"]) ** 3)
print(json.loads(text)["values"][::-1])
