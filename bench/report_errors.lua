-- Prints the first few non-2xx responses so a failing benchmark says why.
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.write("status " .. status .. ": " .. body .. "\n")
  end
end
